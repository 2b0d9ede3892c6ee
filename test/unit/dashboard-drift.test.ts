import { describe, expect, it } from 'vitest';
import type { DependencyVersions } from '../../infra/dashboard/app/api-types.ts';
import { dependencyRows, driftRows, versionSharesText } from '../../infra/dashboard/app/drift.ts';

/** Dependencies whose versions differ between instances, as the app-environment page shows them. */

const dependencies: DependencyVersions[] = [
  {
    name: 'plug',
    ecosystem: 'hex',
    versions: [
      { version: '1.14.0', instances: ['web-3'] },
      { version: '1.16.1', instances: ['web-2', 'web-1'] },
    ],
    missing_on: [],
  },
  {
    name: 'jason',
    ecosystem: 'hex',
    versions: [{ version: '1.4.4', instances: ['web-1', 'web-2', 'web-3'] }],
    missing_on: [],
  },
  {
    name: 'oban',
    ecosystem: 'hex',
    versions: [{ version: '2.17.12', instances: ['web-1'] }],
    missing_on: ['web-3', 'web-2'],
  },
  {
    name: 'cowboy',
    ecosystem: 'hex',
    versions: [
      { version: '2.9.0', instances: ['web-1'] },
      { version: '2.10.0', instances: ['web-2'] },
      { version: '2.12.0', instances: ['web-3'] },
    ],
    missing_on: [],
  },
];

describe('drift', () => {
  it('lists each version with how many instances run it, most common first', () => {
    const [cowboy, oban, plug] = driftRows(dependencies);
    expect(plug).toEqual({
      name: 'plug',
      ecosystem: 'hex',
      versions: [
        { version: '1.16.1', count: 2, instances: ['web-1', 'web-2'] },
        { version: '1.14.0', count: 1, instances: ['web-3'] },
      ],
      missingOn: [],
      drift: true,
    });
    // Equal counts go by version, numerically: 2.9.0 before 2.10.0.
    expect(cowboy!.versions.map((share) => share.version)).toEqual(['2.9.0', '2.10.0', '2.12.0']);
    expect(oban).toMatchObject({ missingOn: ['web-2', 'web-3'], drift: true });
  });

  it('leaves out dependencies that every instance runs at one version', () => {
    expect(driftRows(dependencies).map((row) => row.name)).toEqual(['cowboy', 'oban', 'plug']);
  });

  it('lists every dependency, those that drift first', () => {
    expect(dependencyRows(dependencies).map((row) => [row.name, row.drift])).toEqual([
      ['cowboy', true],
      ['oban', true],
      ['plug', true],
      ['jason', false],
    ]);
  });

  it('says the split in words', () => {
    const [, oban, plug] = driftRows(dependencies);
    expect(versionSharesText(plug!)).toBe('1.16.1 on 2 instances, 1.14.0 on 1 instance');
    expect(versionSharesText(oban!)).toBe('2.17.12 on 1 instance; missing on 2 instances');
  });
});

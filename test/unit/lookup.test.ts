import { describe, expect, it } from 'vitest';
import { type AppEnvironmentItem, appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { type DependencyItem, dependencyItem } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { ValidationError } from '../../shared/errors.ts';
import { groupLookupMatches, parseLookupQuery, selectDependencies } from '../../shared/lookup.ts';
import { versionSelector } from '../../shared/version-selector.ts';

const org = 'acme';

function dependency(app: string, environment: string, instance: string, version: string): DependencyItem {
  return dependencyItem(
    org,
    app,
    environment,
    instance,
    {
      name: 'plug',
      version,
      ecosystem: 'hex',
      started: true,
    },
    0,
  );
}

function head(app: string, environment: string, instance: string, lastSeen: string): InstanceItem {
  return { ...instanceKey(org, app, environment, instance), app, environment, instance, last_seen: lastSeen };
}

function appEnvironment(
  app: string,
  environment: string,
  internetFacing: boolean,
  pii: boolean,
): AppEnvironmentItem {
  return {
    ...appEnvironmentKey(org, app, environment),
    app,
    environment,
    first_seen: '2026-11-01T00:00:00Z',
    reported_sent_at: '2026-11-01T00:00:00Z',
    reported: { internet_facing: internetFacing, handles_pii: pii, urls: [] },
  };
}

const bySortKey = <T extends { sk: string }>(items: T[]) => new Map(items.map((item) => [item.sk, item]));

describe('parseLookupQuery', () => {
  it('lower-cases the package and requires a version', () => {
    expect(parseLookupQuery({ package: 'Plug', version: '1.16.1' })).toMatchObject({
      package: 'plug',
      versions: { version: '1.16.1' },
      format: 'json',
    });
    expect(() => parseLookupQuery({ package: 'plug' })).toThrow(ValidationError);
    expect(() => parseLookupQuery({ version: '1.0.0' })).toThrow(/package: is required/);
    expect(() => parseLookupQuery({ package: 'pl ug', version: '1' })).toThrow(/package/);
  });

  it('takes exactly one of version, requirement and range, and names a malformed one', () => {
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', range: '< 2.0.0' })).toThrow(
      /^range: give only one/,
    );
    expect(() => parseLookupQuery({ package: 'plug', requirement: '>= 1.0' })).toThrow(
      /^requirement: 1\.0 needs a patch number/,
    );
    expect(() => parseLookupQuery({ package: 'plug', requirement: '== == 1.0.0' })).toThrow(
      /^requirement: is not/,
    );
    expect(() => parseLookupQuery({ package: 'plug', range: '>= 1.0.0; < 2' })).toThrow(/^range: is not/);
    expect(() => parseLookupQuery({ package: 'plug', requirement: '< 1000000000000000.0.0' })).toThrow(
      /14 digits/,
    );
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', format: 'xml' })).toThrow(/^format/);
  });
});

describe('groupLookupMatches', () => {
  const dependencies = [
    dependency('billing', 'staging', 'b@s1', '1.16.1'),
    dependency('billing', 'prod', 'b@w2', '1.16.1+build.1'),
    dependency('billing', 'prod', 'b@w1', '1.16.1'),
    dependency('intranet', 'prod', 'i@1', '1.16.1'),
    dependency('gone', 'prod', 'g@1', '1.16.1'),
    dependency('other', 'prod', 'o@1', '1.16.1-rc.1'),
  ];
  const instances = bySortKey([
    head('billing', 'staging', 'b@s1', '2026-11-29T09:00:00Z'),
    head('billing', 'prod', 'b@w1', '2026-11-29T10:00:00Z'),
    head('billing', 'prod', 'b@w2', '2026-11-29T11:00:00Z'),
    head('intranet', 'prod', 'i@1', '2026-11-29T08:00:00Z'),
    head('gone', 'prod', 'g@1', '2026-11-01T08:00:00Z'),
    head('other', 'prod', 'o@1', '2026-11-29T08:00:00Z'),
  ]);
  const appEnvironments = bySortKey([
    appEnvironment('billing', 'prod', true, true),
    appEnvironment('billing', 'staging', true, true),
    appEnvironment('intranet', 'prod', false, true),
  ]);
  const { matches, totals } = groupLookupMatches({
    dependencies: selectDependencies(dependencies, {
      selector: versionSelector('plug', { version: '1.16.1' }),
    }),
    instances,
    appEnvironments,
    instanceSortKey: (d) => instanceKey(org, d.app, d.environment, d.instance).sk,
    appEnvironmentSortKey: (d) => appEnvironmentKey(org, d.app, d.environment).sk,
    now: new Date('2026-11-29T12:00:00Z'),
    lifecycle: {
      staleAfterSeconds: 3 * 3600,
      retentionSeconds: 7 * 24 * 3600,
      stoppedRetentionSeconds: 24 * 3600,
    },
  });

  it('groups instances by app and environment, most exposed first', () => {
    expect(matches.map((m) => `${m.app}/${m.environment}`)).toEqual([
      'billing/prod',
      'intranet/prod',
      'billing/staging',
    ]);
  });

  it('lists every instance with its version and the group’s latest last_seen', () => {
    const [billing] = matches;
    expect(billing!.instances).toEqual([
      {
        instance: 'b@w1',
        package: 'plug',
        version: '1.16.1',
        last_seen: '2026-11-29T10:00:00Z',
        stale: false,
      },
      {
        instance: 'b@w2',
        package: 'plug',
        version: '1.16.1+build.1',
        last_seen: '2026-11-29T11:00:00Z',
        stale: false,
      },
    ]);
    expect(billing!.last_seen).toBe('2026-11-29T11:00:00Z');
    expect(billing!.internet_facing).toBe(true);
  });

  it('marks instances that missed their heartbeats as stale', () => {
    expect(matches.find((m) => m.app === 'intranet')!.instances[0]!.stale).toBe(true);
  });

  it('counts apps, environments and instances', () => {
    expect(totals).toEqual({ apps: 2, environments: 2, app_environments: 3, instances: 4 });
  });

  it('leaves out instances past their retention and other releases', () => {
    expect(matches.find((m) => m.app === 'gone')).toBeUndefined();
    expect(matches.find((m) => m.app === 'other')).toBeUndefined();
  });
});

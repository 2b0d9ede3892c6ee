import { describe, expect, it } from 'vitest';
import { advisoriesForPackages } from '../../functions/stores/advisory-store.ts';
import { uniqueOrg } from '../support/fixtures.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

describe('the advisory catalog', () => {
  it('keeps the packages of every import when imports run at once, so evaluations match them all', async () => {
    const names = Array.from({ length: 3 }, () => packageName(uniqueOrg('pkg')));
    await Promise.all(names.map((name) => criticalAdvisoryOf(name, '2.0.1')));
    const advisories = await advisoriesForPackages(names);
    expect(names.filter((name) => !advisories.has(name))).toEqual([]);
  });
});

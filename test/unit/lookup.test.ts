import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import {
  encodeCursor,
  parseLookupQuery,
  rowSelection,
  totalsFromCounts,
  totalsFromRows,
} from '../../shared/lookup.ts';

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

  it('refuses what is not a version, an unknown parameter, and bad paging, naming each', () => {
    for (const version of ['1.16', 'v1.16.1', '< 1.16.2']) {
      expect(() => parseLookupQuery({ package: 'plug', version })).toThrow(
        /^version: is not a version.*requirement/,
      );
    }
    expect(parseLookupQuery({ package: 'ssl', version: '11.1' })).toMatchObject({ package: 'ssl' });
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', verison: '1' })).toThrow(
      /^verison: is not a parameter/,
    );
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', limit: '0' })).toThrow(/^limit/);
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', limit: '5001' })).toThrow(/^limit/);
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', limit: '1e3' })).toThrow(/^limit/);
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', cursor: 'bm9wZQ' })).toThrow(
      /^cursor/,
    );
    expect(() => parseLookupQuery({ package: 'plug', version: '1.0.0', production: 'yes' })).toThrow(
      /^production: must be true or false/,
    );
    expect(parseLookupQuery({ package: 'plug', version: '1.0.0' })).toMatchObject({
      limit: 500,
      filters: {},
    });
  });

  it('hands back the cursors it makes', () => {
    const cursor = { rank: 2, key: { gsi1pk: 'ORG#a#USES#plug', gsi1sk: '2#A1#x#prod#1', pk: 'p', sk: 's' } };
    expect(
      parseLookupQuery({ package: 'plug', version: '1.0.0', cursor: encodeCursor(cursor) }).cursor,
    ).toEqual(cursor);
  });
});

describe('rowSelection', () => {
  const ranks = (filters: Record<string, unknown>) => rowSelection(filters).ranks;

  it('reads only the exposure ranks that the filters allow', () => {
    expect(ranks({})).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ranks({ production: true })).toEqual([0, 1, 2, 3]);
    expect(ranks({ internet_facing: true })).toEqual([0, 1, 4, 5]);
    expect(ranks({ production: true, internet_facing: false, handles_pii: true })).toEqual([2]);
    expect(ranks({ environment: 'staging' })).toEqual([4, 5, 6, 7]);
    expect(ranks({ environment: 'staging', production: true })).toEqual([]);
  });
});

describe('totals', () => {
  const selection = rowSelection({}, (version) => version.startsWith('1.16'));
  const drift = (app: string, version: string, rank: number, instances: number) => ({
    app,
    environment: 'prod',
    version,
    rank,
    instance_count: instances,
  });

  it('add up the counts of the versions selected, by exposure, and count a drifting app-environment once', () => {
    const totals = totalsFromCounts(
      [
        { version: '1.16.1', a0: 2, i0: 5, a4: 1, i4: 1 },
        { version: '1.16.2', a3: 1, i3: 2 },
        { version: '1.15.0', a0: 9, i0: 9 },
      ],
      [drift('shop', '1.16.1', 1, 2), drift('shop', '1.16.2', 1, 3), drift('shop', '1.15.0', 1, 1)],
      selection,
    );
    expect(totals).toEqual({
      app_environments: 5,
      instances: 13,
      by_exposure: {
        production_internet_facing: { app_environments: 3, instances: 10 },
        production: { app_environments: 1, instances: 2 },
        other: { app_environments: 1, instances: 1 },
      },
    });
  });

  it('count rows once per app-environment when read from the rows themselves', () => {
    expect(
      totalsFromRows(
        [drift('shop', '1.16.1', 1, 2), drift('shop', '1.16.2', 1, 3), drift('api', '1.16.2', 6, 1)],
        selection,
      ),
    ).toMatchObject({
      app_environments: 2,
      instances: 6,
      by_exposure: { other: { app_environments: 1, instances: 1 } },
    });
  });
});

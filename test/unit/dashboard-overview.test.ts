import { describe, expect, it } from 'vitest';
import type { AppsRow } from '../../infra/dashboard/app/api-types.ts';
import {
  appsQuery,
  byAttention,
  defaultSort,
  nextSort,
  overviewParams,
  overviewState,
  searchRows,
  sortRows,
} from '../../infra/dashboard/app/overview-model.ts';
import { pageOf, pageParam } from '../../infra/dashboard/app/pagination.ts';

/** The overview's view logic without a browser: row order, sort, search, paging and the hash's state. */

const counts = (critical = 0, high = 0, medium = 0, low = 0) => ({ critical, high, medium, low });

function row(app: string, environment: string, urgency: number, changes: Partial<AppsRow> = {}): AppsRow {
  return {
    app,
    environment,
    internet_facing: false,
    handles_pii: false,
    urls: [],
    instances: { running: 1, stale: 0, stopped: 0 },
    last_seen: '2026-11-30T08:00:00Z',
    runtime: { elixir: [], otp: [], erts: [] },
    dependency_count: 10,
    vulnerabilities: { runtime: counts(), scan: counts() },
    last_scanned_at: null,
    attention: { urgency, reasons: urgency > 0 ? [`reason ${urgency}`] : [] },
    ...changes,
  };
}

const names = (rows: AppsRow[]) => rows.map((r) => `${r.app}/${r.environment}`);

// In the API's order: most exposed first.
const api = [
  row('billing', 'prod', 0),
  row('shop', 'prod', 90, {
    internet_facing: true,
    vulnerabilities: { runtime: counts(0, 2), scan: counts() },
  }),
  row('admin', 'prod', 20, { last_scanned_at: '2026-11-01T00:00:00Z' }),
  row('shop', 'staging', 90, { vulnerabilities: { runtime: counts(0, 1, 4), scan: counts(0, 0, 1) } }),
  row('worker', 'staging', 0, { instances: { running: 3, stale: 1, stopped: 0 }, last_seen: null }),
  row('api', 'prod', 100, { vulnerabilities: { runtime: counts(1), scan: counts() } }),
];

describe('the overview order', () => {
  it('puts rows that need attention first by urgency, keeping the API order within an urgency', () => {
    expect(names(byAttention(api))).toEqual([
      'api/prod',
      'shop/prod',
      'shop/staging',
      'admin/prod',
      'billing/prod',
      'worker/staging',
    ]);
    expect(names(sortRows(api, defaultSort))).toEqual(names(byAttention(api)));
  });

  it('sorts by a column either way, ties keeping the attention order', () => {
    expect(names(sortRows(api, { column: 'environment', direction: 'ascending' }))).toEqual([
      'api/prod',
      'shop/prod',
      'admin/prod',
      'billing/prod',
      'shop/staging',
      'worker/staging',
    ]);
    expect(names(sortRows(api, { column: 'app', direction: 'descending' }))).toEqual([
      'worker/staging',
      'shop/staging',
      'shop/prod',
      'billing/prod',
      'api/prod',
      'admin/prod',
    ]);
  });

  it('sorts findings by severity, critical before high before medium', () => {
    expect(names(sortRows(api, { column: 'runtime', direction: 'descending' })).slice(0, 3)).toEqual([
      'api/prod',
      'shop/prod',
      'shop/staging',
    ]);
    expect(names(sortRows(api, { column: 'scan', direction: 'descending' }))[0]).toBe('shop/staging');
  });

  it('sorts times with "never" as the oldest', () => {
    expect(names(sortRows(api, { column: 'last_scanned_at', direction: 'descending' }))[0]).toBe(
      'admin/prod',
    );
    expect(names(sortRows(api, { column: 'last_seen', direction: 'ascending' }))[0]).toBe('worker/staging');
  });

  it('sorts by attention ascending too, and by flags and instances', () => {
    expect(names(sortRows(api, { column: 'attention', direction: 'ascending' })).slice(0, 2)).toEqual([
      'billing/prod',
      'worker/staging',
    ]);
    expect(names(sortRows(api, { column: 'internet_facing', direction: 'descending' }))[0]).toBe('shop/prod');
    expect(names(sortRows(api, { column: 'instances', direction: 'descending' }))[0]).toBe('worker/staging');
  });

  it('leaves the given rows alone', () => {
    const before = names(api);
    sortRows(api, { column: 'app', direction: 'ascending' });
    expect(names(api)).toEqual(before);
  });
});

describe('a click on a header', () => {
  it('sorts by a new column in its first direction, then turns it round', () => {
    const byApp = nextSort(defaultSort, 'app');
    expect(byApp).toEqual({ column: 'app', direction: 'ascending' });
    expect(nextSort(byApp, 'app')).toEqual({ column: 'app', direction: 'descending' });
    expect(nextSort(byApp, 'runtime')).toEqual({ column: 'runtime', direction: 'descending' });
    expect(nextSort(defaultSort, 'attention')).toEqual({ column: 'attention', direction: 'ascending' });
  });
});

describe('the search', () => {
  it('finds apps by a part of their name, in any case', () => {
    expect(names(searchRows(api, ' SHo '))).toEqual(['shop/prod', 'shop/staging']);
    expect(searchRows(api, '')).toHaveLength(api.length);
    expect(searchRows(api, 'nothing')).toEqual([]);
  });
});

describe('the overview state in the hash', () => {
  it('reads filters, search, sort and page, with defaults for what is missing or wrong', () => {
    expect(overviewState({})).toEqual({
      filters: { environment: '', production: '', internet_facing: '', handles_pii: '' },
      search: '',
      sort: defaultSort,
      page: 1,
    });
    expect(
      overviewState({
        environment: 'prod',
        internet_facing: 'true',
        handles_pii: 'maybe',
        q: 'shop',
        sort: 'last_seen',
        page: '3',
      }),
    ).toEqual({
      filters: { environment: 'prod', production: '', internet_facing: 'true', handles_pii: '' },
      search: 'shop',
      sort: { column: 'last_seen', direction: 'ascending' },
      page: 3,
    });
    expect(overviewState({ sort: 'nonsense', dir: 'sideways', page: '-2' }).sort).toEqual(defaultSort);
  });

  it('writes only what differs from the defaults, and reads back what it wrote', () => {
    expect(overviewParams(overviewState({}))).toEqual({});
    const params = {
      environment: 'staging',
      handles_pii: 'false',
      q: 'bill',
      sort: 'app',
      dir: 'descending',
      page: '2',
    };
    expect(overviewParams(overviewState(params))).toEqual(params);
  });

  it('passes only the filters the API applies', () => {
    expect(
      appsQuery(overviewState({ environment: 'prod', internet_facing: 'true', q: 'x' }).filters),
    ).toEqual({
      environment: 'prod',
      internet_facing: 'true',
    });
  });
});

describe('pages of rows', () => {
  const rows = Array.from({ length: 250 }, (_, index) => index);

  it('shows a hundred at a time and says where the reader is', () => {
    expect(pageOf(rows, 1)).toMatchObject({ page: 1, pages: 3, first: 1, last: 100, total: 250 });
    expect(pageOf(rows, 3)).toMatchObject({ page: 3, first: 201, last: 250, rows: rows.slice(200) });
  });

  it('clamps a page past the end, as a list that shrank under a filter would ask', () => {
    expect(pageOf(rows, 9)).toMatchObject({ page: 3, first: 201 });
    expect(pageOf([], 4)).toMatchObject({ page: 1, pages: 1, first: 0, last: 0, total: 0 });
  });

  it('reads a page number from the hash', () => {
    expect([pageParam('2'), pageParam(undefined), pageParam('x'), pageParam('0'), pageParam('1.5')]).toEqual([
      2, 1, 1, 1, 1,
    ]);
  });
});

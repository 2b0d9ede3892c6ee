import type { AppsRow, SeverityCounts } from './api-types.ts';
import { pageParam } from './pagination.ts';
import type { Params } from './router.ts';

/**
 * The overview's view logic, without a browser: the order of rows (what needs attention first), the
 * search, the sort by a column, and the page's state as the hash keeps it.
 */

export type OverviewColumn =
  | 'attention'
  | 'app'
  | 'environment'
  | 'internet_facing'
  | 'handles_pii'
  | 'runtime'
  | 'scan'
  | 'instances'
  | 'last_seen'
  | 'last_scanned_at';

export type Direction = 'ascending' | 'descending';

export interface Sort {
  column: OverviewColumn;
  direction: Direction;
}

export const overviewColumns: readonly OverviewColumn[] = [
  'app',
  'environment',
  'attention',
  'internet_facing',
  'handles_pii',
  'runtime',
  'scan',
  'instances',
  'last_seen',
  'last_scanned_at',
];

/** What needs action sooner first: the overview's order until a reader sorts by another column. */
export const defaultSort: Sort = { column: 'attention', direction: 'descending' };

/** The direction a column sorts in when first chosen: what matters most on top. */
export const firstDirection: Record<OverviewColumn, Direction> = {
  attention: 'descending',
  app: 'ascending',
  environment: 'ascending',
  internet_facing: 'descending',
  handles_pii: 'descending',
  runtime: 'descending',
  scan: 'descending',
  instances: 'descending',
  last_seen: 'ascending',
  last_scanned_at: 'ascending',
};

/** The sort after a click on a column's header: its first direction, or the other one when sorted by it. */
export function nextSort(current: Sort, column: OverviewColumn): Sort {
  if (current.column !== column) return { column, direction: firstDirection[column] };
  return { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}

const bySeverity = (a: SeverityCounts, b: SeverityCounts): number =>
  a.critical - b.critical || a.high - b.high || a.medium - b.medium || a.low - b.low;

/** A time for ordering; no time at all sorts as the oldest. */
const timeOf = (iso: string | null): number => (iso === null ? Number.NEGATIVE_INFINITY : Date.parse(iso));

const byTime = (a: string | null, b: string | null): number => {
  const x = timeOf(a);
  const y = timeOf(b);
  return x === y ? 0 : x < y ? -1 : 1;
};

const text = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Each column's ascending order. */
const ascending: Record<OverviewColumn, (a: AppsRow, b: AppsRow) => number> = {
  attention: (a, b) => a.attention.urgency - b.attention.urgency,
  app: (a, b) => text(a.app, b.app) || text(a.environment, b.environment),
  environment: (a, b) => text(a.environment, b.environment),
  internet_facing: (a, b) => Number(a.internet_facing) - Number(b.internet_facing),
  handles_pii: (a, b) => Number(a.handles_pii) - Number(b.handles_pii),
  runtime: (a, b) => bySeverity(a.vulnerabilities.runtime, b.vulnerabilities.runtime),
  scan: (a, b) => bySeverity(a.vulnerabilities.scan, b.vulnerabilities.scan),
  instances: (a, b) => a.instances.running - b.instances.running || a.instances.stale - b.instances.stale,
  last_seen: (a, b) => byTime(a.last_seen, b.last_seen),
  last_scanned_at: (a, b) => byTime(a.last_scanned_at, b.last_scanned_at),
};

/**
 * Rows that need attention first, by urgency (a stable sort: the API's order, most exposed first,
 * within each urgency).
 */
export const byAttention = (rows: readonly AppsRow[]): AppsRow[] =>
  [...rows].sort((a, b) => b.attention.urgency - a.attention.urgency);

/**
 * Rows in the order of a sort. Ties keep the attention order, so that a reader sorting by environment
 * still sees what needs action first within each environment.
 */
export function sortRows(rows: readonly AppsRow[], sort: Sort): AppsRow[] {
  const base = byAttention(rows);
  if (sort.column === 'attention' && sort.direction === 'descending') return base;
  const compare = ascending[sort.column];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return base.sort((a, b) => sign * compare(a, b));
}

/** Rows whose app contains the search, ignoring case. */
export function searchRows(rows: readonly AppsRow[], search: string): AppsRow[] {
  const needle = search.trim().toLowerCase();
  return needle === '' ? [...rows] : rows.filter((row) => row.app.toLowerCase().includes(needle));
}

export type Flag = 'true' | 'false' | '';

/** The filters the API applies (GET /v1/apps's parameters). */
export interface OverviewFilters {
  environment: string;
  production: Flag;
  internet_facing: Flag;
  handles_pii: Flag;
}

export interface OverviewState {
  filters: OverviewFilters;
  search: string;
  sort: Sort;
  page: number;
}

const flag = (value: string | undefined): Flag => (value === 'true' || value === 'false' ? value : '');

const isColumn = (value: string | undefined): value is OverviewColumn =>
  overviewColumns.includes(value as OverviewColumn);

export function overviewState(params: Params): OverviewState {
  const column = isColumn(params.sort) ? params.sort : defaultSort.column;
  const direction: Direction =
    params.dir === 'ascending' || params.dir === 'descending'
      ? params.dir
      : column === defaultSort.column
        ? defaultSort.direction
        : firstDirection[column];
  return {
    filters: {
      environment: params.environment ?? '',
      production: flag(params.production),
      internet_facing: flag(params.internet_facing),
      handles_pii: flag(params.handles_pii),
    },
    search: params.q ?? '',
    sort: { column, direction },
    page: pageParam(params.page),
  };
}

/** The hash's parameters of a state, leaving out what is the default. */
export function overviewParams(state: OverviewState): Params {
  const params: Params = {};
  for (const [name, value] of Object.entries(state.filters)) if (value !== '') params[name] = value;
  if (state.search !== '') params.q = state.search;
  const isDefault =
    state.sort.column === defaultSort.column && state.sort.direction === defaultSort.direction;
  if (!isDefault) {
    params.sort = state.sort.column;
    params.dir = state.sort.direction;
  }
  if (state.page > 1) params.page = String(state.page);
  return params;
}

/** The query of GET /v1/apps for the filters. */
export function appsQuery(filters: OverviewFilters): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(filters)) if (value !== '') query[name] = value;
  return query;
}

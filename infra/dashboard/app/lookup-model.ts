import type { Flag } from './overview-model.ts';
import { pageParam } from './pagination.ts';
import { withQuery } from './query.ts';
import type { Params } from './router.ts';

/**
 * The lookup page's state, kept in the hash with the API's own parameter names, so that the page's
 * address, its API call and its CSV download say the same thing.
 */

export type VersionKind = 'version' | 'requirement' | 'range';
export const versionKinds: readonly VersionKind[] = ['version', 'requirement', 'range'];

export interface LookupFilters {
  environment: string;
  production: Flag;
  internet_facing: Flag;
  handles_pii: Flag;
}

export type LookupState =
  | {
      mode: 'package';
      package: string;
      kind: VersionKind;
      versions: string;
      filters: LookupFilters;
      page: number;
    }
  | { mode: 'advisory'; advisory: string; filters: LookupFilters; page: number };

const flag = (value: string | undefined): Flag => (value === 'true' || value === 'false' ? value : '');

export function lookupState(params: Params): LookupState {
  const filters: LookupFilters = {
    environment: params.environment ?? '',
    production: flag(params.production),
    internet_facing: flag(params.internet_facing),
    handles_pii: flag(params.handles_pii),
  };
  const page = pageParam(params.page);
  if (params.advisory !== undefined) return { mode: 'advisory', advisory: params.advisory, filters, page };
  const kind = versionKinds.find((k) => params[k] !== undefined) ?? 'requirement';
  return {
    mode: 'package',
    package: params.package ?? '',
    kind,
    versions: params[kind] ?? '',
    filters,
    page,
  };
}

/** The API's parameters of a lookup, or undefined while the form lacks what the API needs. */
export function lookupQuery(state: LookupState): Record<string, string> | undefined {
  const query: Record<string, string> = {};
  if (state.mode === 'advisory') {
    if (state.advisory.trim() === '') return undefined;
    query.advisory = state.advisory.trim();
  } else {
    if (state.package.trim() === '' || state.versions.trim() === '') return undefined;
    query.package = state.package.trim();
    query[state.kind] = state.versions.trim();
  }
  for (const [name, value] of Object.entries(state.filters))
    if (value.trim() !== '') query[name] = value.trim();
  return query;
}

/** The hash's parameters: the lookup's, and the page when past the first. */
export function lookupParams(state: LookupState): Params {
  const params: Params = { ...(lookupQuery(state) ?? {}) };
  if (state.page > 1) params.page = String(state.page);
  return params;
}

/**
 * The CSV form of the same lookup, for a plain link: the browser sends the session cookie with it and
 * follows the API's 303 to a large file by itself.
 */
export function csvHref(state: LookupState): string | undefined {
  const query = lookupQuery(state);
  return query === undefined ? undefined : withQuery('/v1/lookup', { ...query, format: 'csv' });
}

/** A file name for the download, as the API names a large CSV. */
export function csvFileName(state: LookupState): string {
  const name = state.mode === 'advisory' ? state.advisory : state.package;
  return `muster-${
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-') || 'lookup'
  }.csv`;
}

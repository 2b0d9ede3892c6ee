/**
 * Hash routes: `#/` (overview), `#/apps/<app>/<environment>`, `#/lookup?...`, `#/advisories`. Each
 * page keeps its state (filters, sort, search, page) in the hash's query, so that a view can be linked
 * and reloaded. Pure functions: the hook that follows the location is in use-route.ts.
 */

export type Params = Record<string, string>;

export type Route =
  | { page: 'overview'; params: Params }
  | { page: 'app'; app: string; environment: string; params: Params }
  | { page: 'lookup'; params: Params }
  | { page: 'advisories'; params: Params }
  | { page: 'not-found'; path: string; params: Params };

export type PageName = Route['page'];

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  const question = text.indexOf('?');
  const path = question === -1 ? text : text.slice(0, question);
  const params: Params = {};
  if (question !== -1) {
    for (const [name, value] of new URLSearchParams(text.slice(question + 1))) params[name] = value;
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.length === 0) return { page: 'overview', params };
  const [first, ...rest] = segments;
  if (first === 'apps' && rest.length === 2) {
    const app = decode(rest[0]!);
    const environment = decode(rest[1]!);
    if (app !== undefined && environment !== undefined) return { page: 'app', app, environment, params };
  }
  if (first === 'lookup' && rest.length === 0) return { page: 'lookup', params };
  if (first === 'advisories' && rest.length === 0) return { page: 'advisories', params };
  return { page: 'not-found', path, params };
}

/** A hash with its query, leaving out empty parameters, in a stable order. */
export function hashOf(path: string, params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(name, value);
  }
  const text = query.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
}

export const overviewHash = (params: Params = {}): string => hashOf('/', params);

export const appHash = (app: string, environment: string, params: Params = {}): string =>
  hashOf(`/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}`, params);

export const lookupHash = (params: Record<string, string | undefined> = {}): string =>
  hashOf('/lookup', params);

export const advisoriesHash = (params: Params = {}): string => hashOf('/advisories', params);

/** Which navigation entry a route belongs to. */
export function section(route: Route): 'overview' | 'lookup' | 'advisories' | undefined {
  if (route.page === 'overview' || route.page === 'app') return 'overview';
  if (route.page === 'lookup' || route.page === 'advisories') return route.page;
  return undefined;
}

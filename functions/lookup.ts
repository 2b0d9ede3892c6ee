import { NotFoundError } from '../shared/errors.ts';
import {
  decodeCursor,
  type LookupQuery,
  type LookupResult,
  maxLookupLimit,
  parseLookupQuery,
} from '../shared/lookup.ts';
import { lookupCsvHeader, lookupCsvLines } from '../shared/lookup-csv.ts';
import { httpRoute, json, queryParameters } from './lib/http.ts';
import { readVulnerability } from './stores/advisory-store.ts';
import { authenticate } from './stores/api-key-store.ts';
import { lookup, lookupVulnerability } from './stores/lookup-store.ts';

/** Every page of the answer as CSV, one line per row, whatever the answer's size. */
async function csv(name: string, query: LookupQuery, read: (query: LookupQuery) => Promise<LookupResult>) {
  let body = lookupCsvHeader;
  let page = await read({ ...query, limit: maxLookupLimit, cursor: undefined });
  body += lookupCsvLines(page.matches);
  while (page.next_cursor !== null) {
    page = await read({ ...query, limit: maxLookupLimit, cursor: decodeCursor(page.next_cursor) });
    body += lookupCsvLines(page.matches);
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="muster-${name}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const query = parseLookupQuery(queryParameters(event));
  if ('advisory' in query) {
    const vulnerability = await readVulnerability(query.advisory);
    if (!vulnerability) throw new NotFoundError(`no advisory ${query.advisory} has been imported`);
    const read = (q: LookupQuery) => lookupVulnerability(key.org, vulnerability, q as typeof query);
    if (query.format === 'csv') return csv(vulnerability.id, query, read);
    const { id, aliases, summary, severity, affected } = vulnerability;
    return json(200, {
      advisory: {
        id,
        aliases,
        summary,
        severity,
        packages: affected.map((a) => ({ package: a.package, fixed: a.fixed })),
      },
      ...(await read(query)),
    });
  }
  const read = (q: LookupQuery) => lookup(key.org, q as typeof query);
  return query.format === 'csv' ? csv(query.package, query, read) : json(200, await read(query));
});

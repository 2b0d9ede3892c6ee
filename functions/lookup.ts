import { NotFoundError } from '../shared/errors.ts';
import {
  decodeCursor,
  type LookupQuery,
  type LookupResult,
  maxLookupLimit,
  parseLookupQuery,
} from '../shared/lookup.ts';
import { lookupCsvHeader, lookupCsvLines } from '../shared/lookup-csv.ts';
import { config } from './lib/config.ts';
import { type HttpResult, httpRoute, json, queryParameters } from './lib/http.ts';
import { fileAnswer } from './lib/large-answer.ts';
import { readVulnerability } from './stores/advisory-store.ts';
import { lookup, lookupPackage, lookupVulnerability } from './stores/lookup-store.ts';
import { authenticate } from './use-cases/authenticate.ts';

const csvContentType = 'text/csv; charset=utf-8';

/** Every page of the answer as CSV, one line per row, whatever the answer's size. */
async function csv(
  org: string,
  name: string,
  query: LookupQuery,
  read: (query: LookupQuery) => Promise<LookupResult>,
): Promise<HttpResult> {
  let body = lookupCsvHeader;
  let page = await read({ ...query, limit: maxLookupLimit, cursor: undefined });
  body += lookupCsvLines(page.matches);
  while (page.next_cursor !== null) {
    page = await read({ ...query, limit: maxLookupLimit, cursor: decodeCursor(page.next_cursor) });
    body += lookupCsvLines(page.matches);
  }
  return fileAnswer({
    org,
    body,
    contentType: csvContentType,
    filename: `muster-${name}.csv`,
    inlineBytes: config.LOOKUP_CSV_INLINE_BYTES,
  });
}

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const query = parseLookupQuery(queryParameters(event));
  if ('advisory' in query) {
    const vulnerability = await readVulnerability(query.advisory);
    if (!vulnerability) throw new NotFoundError(`no advisory ${query.advisory} has been imported`);
    const read = (q: LookupQuery) => lookupVulnerability(key.org, vulnerability, q as typeof query);
    if (query.format === 'csv') return csv(key.org, vulnerability.id, query, read);
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
  if (query.format === 'csv') {
    return csv(key.org, query.package, query, (q) => lookup(key.org, q as typeof query));
  }
  return json(200, await lookupPackage(key.org, query));
});

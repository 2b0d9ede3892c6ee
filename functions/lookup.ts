import { NotFoundError } from '../shared/errors.ts';
import { type LookupResult, parseLookupQuery } from '../shared/lookup.ts';
import { lookupCsv } from '../shared/lookup-csv.ts';
import { type HttpResult, httpRoute, json, queryParameters } from './lib/http.ts';
import { readVulnerability } from './stores/advisory-store.ts';
import { authenticate } from './stores/api-key-store.ts';
import { lookup, lookupVulnerability } from './stores/lookup-store.ts';

function csv(name: string, result: LookupResult): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="muster-${name}.csv"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body: lookupCsv(result.matches),
  };
}

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const query = parseLookupQuery(queryParameters(event));
  if ('advisory' in query) {
    const vulnerability = await readVulnerability(query.advisory);
    if (!vulnerability) throw new NotFoundError(`no advisory ${query.advisory} has been imported`);
    const result = await lookupVulnerability(key.org, vulnerability);
    if (query.format === 'csv') return csv(vulnerability.id, result);
    const { id, aliases, summary, severity, affected } = vulnerability;
    return json(200, {
      advisory: {
        id,
        aliases,
        summary,
        severity,
        packages: affected.map((a) => ({ package: a.package, fixed: a.fixed })),
      },
      ...result,
    });
  }
  const result = await lookup(key.org, query);
  return query.format === 'csv' ? csv(query.package, result) : json(200, result);
});

import { parseLookupQuery } from '../shared/lookup.ts';
import { lookupCsv } from '../shared/lookup-csv.ts';
import { httpRoute, json, queryParameters } from './lib/http.ts';
import { authenticate } from './stores/api-key-store.ts';
import { lookup } from './stores/lookup-store.ts';

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const query = parseLookupQuery(queryParameters(event));
  const result = await lookup(key.org, query);
  if (query.format === 'csv') {
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="muster-${query.package}.csv"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: lookupCsv(result.matches),
    };
  }
  return json(200, result);
});

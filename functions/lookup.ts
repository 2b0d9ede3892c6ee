import { parseLookupQuery } from '../shared/lookup.ts';
import { httpRoute, json, queryParameters } from './lib/http.ts';
import { authenticate } from './stores/api-key-store.ts';
import { lookup } from './stores/lookup-store.ts';

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const query = parseLookupQuery(queryParameters(event));
  return json(200, { matches: await lookup(key.org, query) });
});

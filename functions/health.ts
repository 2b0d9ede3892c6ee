import { httpRoute, json } from './lib/http.ts';

export const handler = httpRoute(async () => json(200, { status: 'ok' }));

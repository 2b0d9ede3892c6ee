import { appEnvironmentDetail } from '../shared/app-environment-detail.ts';
import { parseAppsQuery } from '../shared/apps-query.ts';
import { appEnvironmentPathSchema } from '../shared/classification-override.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { lifecycle } from './lib/config.ts';
import { httpRoute, json, queryParameters } from './lib/http.ts';
import { readAppEnvironmentItems } from './stores/app-environment-store.ts';
import { authenticate } from './use-cases/authenticate.ts';
import { listApps } from './use-cases/list-apps.ts';

/** GET /v1/apps (a page of app-environments, most exposed first) and GET /v1/apps/{app}/{environment}. */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  if (event.pathParameters?.app === undefined) {
    return json(200, await listApps(key.org, parseAppsQuery(queryParameters(event)), new Date()));
  }
  const { app, environment } = parseOrThrow(appEnvironmentPathSchema, event.pathParameters, 'path');
  return json(
    200,
    appEnvironmentDetail(await readAppEnvironmentItems(key.org, app, environment), new Date(), lifecycle),
  );
});

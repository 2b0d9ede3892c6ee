import { appEnvironmentDetail } from '../shared/app-environment-detail.ts';
import { appEnvironmentPathSchema } from '../shared/classification-override.ts';
import { summarizeFleet } from '../shared/fleet-summary.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { lifecycle } from './lib/config.ts';
import { httpRoute, json } from './lib/http.ts';
import { authenticate } from './stores/api-key-store.ts';
import { readAppEnvironmentItems } from './stores/app-environment-store.ts';
import { readOrganizationItems } from './stores/organization-store.ts';

/** GET /v1/apps (every app-environment) and GET /v1/apps/{app}/{environment} (one, in detail). */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  const now = new Date();
  if (event.pathParameters?.app === undefined) {
    return json(200, { apps: summarizeFleet(await readOrganizationItems(key.org), now, lifecycle) });
  }
  const { app, environment } = parseOrThrow(appEnvironmentPathSchema, event.pathParameters, 'path');
  return json(
    200,
    appEnvironmentDetail(await readAppEnvironmentItems(key.org, app, environment), now, lifecycle),
  );
});

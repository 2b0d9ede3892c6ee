import { appEnvironmentDetail } from '../shared/app-environment-detail.ts';
import { parseAppsQuery } from '../shared/apps-query.ts';
import { appEnvironmentPathSchema } from '../shared/classification-override.ts';
import { sbomMediaType } from '../shared/sbom.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { config, lifecycle } from './lib/config.ts';
import { httpRoute, json, queryParameters } from './lib/http.ts';
import { fileAnswer } from './lib/large-answer.ts';
import { readAppEnvironmentItems } from './stores/app-environment-store.ts';
import { authenticate } from './use-cases/authenticate.ts';
import { exportSbom } from './use-cases/export-sbom.ts';
import { listApps } from './use-cases/list-apps.ts';

/**
 * GET /v1/apps (a page of app-environments, most exposed first), GET /v1/apps/{app}/{environment} and
 * GET /v1/apps/{app}/{environment}/sbom (what it runs, as CycloneDX).
 */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'read');
  if (event.pathParameters?.app === undefined) {
    return json(200, await listApps(key.org, parseAppsQuery(queryParameters(event)), new Date()));
  }
  const { app, environment } = parseOrThrow(appEnvironmentPathSchema, event.pathParameters, 'path');
  if (event.routeKey === 'GET /v1/apps/{app}/{environment}/sbom') {
    const sbom = await exportSbom(key.org, app, environment, new Date());
    return fileAnswer({
      org: key.org,
      body: JSON.stringify(sbom),
      contentType: sbomMediaType,
      filename: `${app}-${environment}.cdx.json`,
      inlineBytes: config.SBOM_INLINE_BYTES,
    });
  }
  return json(
    200,
    appEnvironmentDetail(await readAppEnvironmentItems(key.org, app, environment), new Date(), lifecycle),
  );
});

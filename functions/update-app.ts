import { appPathSchema, appScanSettingsView, parseAppScanSettings } from '../shared/app-scan-settings.ts';
import { appEnvironmentPathSchema, parseClassificationOverride } from '../shared/classification-override.ts';
import { effectiveClassification } from '../shared/entities/app-environment.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { overrideClassification } from './stores/app-environment-store.ts';
import { updateAppScanSettings } from './stores/scan-store.ts';
import { authenticate } from './use-cases/authenticate.ts';
import { evaluateAppEnvironment } from './use-cases/evaluate-app-environment.ts';

/**
 * An admin's settings: `PATCH /v1/apps/{app}/{environment}` overrides the classification agents
 * report; `PATCH /v1/apps/{app}` sets the app's default branch and when its check runs fail.
 */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'admin');
  const path = event.pathParameters ?? {};
  if (path.environment === undefined) {
    const { app } = parseOrThrow(appPathSchema, path, 'path');
    const item = await updateAppScanSettings(key.org, app, parseAppScanSettings(jsonBody(event)));
    return json(200, appScanSettingsView(app, item));
  }
  const { app, environment } = parseOrThrow(appEnvironmentPathSchema, path, 'path');
  const override = parseClassificationOverride(jsonBody(event));
  const item = await overrideClassification(key.org, app, environment, override);
  // Lookups answer from usage rows, which carry the classification: they follow it at once.
  await evaluateAppEnvironment(key.org, app, environment);
  return json(200, {
    app,
    environment,
    ...effectiveClassification(item),
    reported: item.reported,
    overrides: item.overrides ?? {},
  });
});

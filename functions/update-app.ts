import { appEnvironmentPathSchema, parseClassificationOverride } from '../shared/classification-override.ts';
import { effectiveClassification } from '../shared/entities/app-environment.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { authenticate } from './stores/api-key-store.ts';
import { overrideClassification } from './stores/app-environment-store.ts';
import { evaluateAppEnvironment } from './use-cases/evaluate-app-environment.ts';

/** PATCH /v1/apps/{app}/{environment}: an admin overrides the classification agents report. */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'admin');
  const { app, environment } = parseOrThrow(appEnvironmentPathSchema, event.pathParameters ?? {}, 'path');
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

import { NotFoundError } from '../shared/errors.ts';
import { parseSuppression, suppressionPathSchema } from '../shared/suppression.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { readVulnerability } from './stores/advisory-store.ts';
import { authenticate } from './stores/api-key-store.ts';
import { setFindingSuppression } from './use-cases/suppress-finding.ts';

/**
 * POST suppresses a finding until a date, with a reason and an author; DELETE lifts it. Both are
 * admin actions and both are kept in the organization's audit trail.
 */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'admin');
  const { app, environment, finding } = parseOrThrow(
    suppressionPathSchema,
    event.pathParameters ?? {},
    'path',
  );
  const suppression =
    event.requestContext.http.method === 'DELETE' ? undefined : parseSuppression(jsonBody(event), new Date());
  const vulnerability = (await readVulnerability(finding))?.id ?? finding;
  const actor = `key:${key.prefix}${suppression ? ` (${suppression.author})` : ''}`;
  if (!(await setFindingSuppression(key.org, app, environment, vulnerability, actor, suppression))) {
    throw new NotFoundError(`${app}/${environment} has no finding of ${finding}`);
  }
  return json(200, { app, environment, vulnerability, suppression: suppression ?? null });
});

import { NotFoundError } from '../shared/errors.ts';
import { parseSuppression, suppressionPathSchema } from '../shared/suppression.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { canonicalId } from './stores/advisory-store.ts';
import { authenticate } from './use-cases/authenticate.ts';
import { setFindingSuppression } from './use-cases/suppress-finding.ts';

/**
 * POST suppresses a finding until a date, with a reason, an author and the impact analysis (accepted
 * risk, not affected and why, or false positive); DELETE lifts it. Both are admin actions and both are
 * kept in the organization's audit trail.
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
  // Findings are stored under the vulnerability's canonical id; one whose advisory is no longer
  // imported still goes by the id it was stored under.
  const id = (await canonicalId(finding)) ?? finding;
  const actor = `key:${key.prefix}${suppression ? ` (${suppression.author})` : ''}`;
  const vulnerability = await setFindingSuppression(key.org, app, environment, id, actor, suppression);
  if (vulnerability === undefined)
    throw new NotFoundError(`${app}/${environment} has no finding of ${finding}`);
  return json(200, { app, environment, vulnerability, suppression: suppression ?? null });
});

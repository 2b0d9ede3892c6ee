import { randomUUID } from 'node:crypto';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import type { Suppression } from '../../shared/entities/finding.ts';
import { BusyError } from '../../shared/errors.ts';
import { readAppEnvironment } from '../stores/app-environment-store.ts';
import { appendAudit, writeSuppression } from '../stores/finding-store.ts';
import { acquireLease, LeaseHeldError, releaseLease } from '../stores/lease.ts';

/**
 * Sets (or, with `suppression` undefined, lifts) the suppression of the finding of a vulnerability in
 * an app-environment, and records the change in the organization's audit trail. It holds the
 * app-environment's lease, like an evaluation, so that an evaluation running at the same time cannot
 * rewrite the finding from a copy read before the suppression and lose it. Answers the id the finding
 * is stored under (`vulnerability` in any case); undefined when the app-environment has no finding of it.
 */
export async function setFindingSuppression(
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
  actor: string,
  suppression: Omit<Suppression, 'created_at'> | undefined,
): Promise<string | undefined> {
  if (!(await readAppEnvironment(org, app, environment))) return undefined;
  const key = appEnvironmentKey(org, app, environment);
  const owner = `suppress-${randomUUID()}`;
  try {
    await acquireLease(key, owner, { what: `app-environment ${app}/${environment}`, existing: 'reported' });
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      throw new BusyError(`${app}/${environment} is being evaluated; try again in a few seconds`, 5);
    }
    throw error;
  }
  try {
    const at = new Date().toISOString();
    const stored = await writeSuppression(
      org,
      app,
      environment,
      vulnerability,
      suppression ? { ...suppression, created_at: at } : undefined,
    );
    if (stored === undefined) return undefined;
    await appendAudit(org, {
      at,
      actor,
      action: suppression ? 'suppress' : 'unsuppress',
      app,
      environment,
      vulnerability: stored,
      ...(suppression
        ? {
            reason: suppression.reason,
            expires_at: suppression.expires_at,
            state: suppression.state,
            justification: suppression.justification,
          }
        : {}),
    });
    return stored;
  } finally {
    await releaseLease(key, owner);
  }
}

import { randomUUID } from 'node:crypto';
import type { Classification } from '../../shared/entities/app-environment.ts';
import { appEnvironmentKey, effectiveClassification } from '../../shared/entities/app-environment.ts';
import type { FindingItem } from '../../shared/entities/finding.ts';
import { adviceOf, computeFindings, diffFindings, needsAlert } from '../../shared/findings.ts';
import { instanceStatus } from '../../shared/instance-status.ts';
import { queues } from '../../shared/resources.ts';
import { lifecycle } from '../lib/config.ts';
import { enqueue } from '../lib/queue.ts';
import { advisoriesForPackages } from '../stores/advisory-store.ts';
import { readAppEnvironment, readDependencies, readInstances } from '../stores/app-environment-store.ts';
import { readAppEnvironmentFindings, writeFindingChanges } from '../stores/finding-store.ts';
import { acquireLease, isConditionFailure, releaseLease } from '../stores/lease.ts';

export interface EvaluationOptions {
  /** Read advisories from the table rather than from this container's five-minute cache. */
  freshAdvisories?: boolean;
  /**
   * When the change that asks for this evaluation was stored: an evaluation of the same
   * app-environment that took its lease after that reads the change, and makes this one needless.
   */
  changedAt?: number;
}

/** The alert event of a new finding, with what a responder needs to act on it. */
function alertOf(finding: FindingItem, org: string, classification: Classification) {
  return {
    type: 'finding.opened',
    org,
    app: finding.app,
    environment: finding.environment,
    vulnerability: finding.vulnerability,
    aliases: finding.aliases,
    severity: finding.severity,
    summary: finding.summary,
    package: finding.package,
    packages: finding.packages,
    basis: finding.basis,
    vulnerable_code: finding.vulnerable_code,
    instances: finding.instances,
    fixed_in: finding.fixed_in,
    advice: adviceOf(finding),
    urls: classification.urls,
    handles_pii: classification.handles_pii,
    opened_at: finding.opened_at,
  };
}

/**
 * Brings an app-environment's findings up to date with what its live instances run and what the
 * advisories say: new findings open, changed ones are rewritten, those no instance is exposed to any
 * more are fixed. Evaluations of one app-environment take its lease, so they never interleave; each
 * reads the current state after taking it. New critical or high findings on a production,
 * internet-facing app-environment raise an alert on the alerts queue.
 */
export async function evaluateAppEnvironment(
  org: string,
  app: string,
  environment: string,
  options: EvaluationOptions = {},
): Promise<{ opened: number; written: number }> {
  const key = appEnvironmentKey(org, app, environment);
  const owner = `evaluate-${randomUUID()}`;
  const { changedAt } = options;
  const lease = await acquireLease(key, owner, {
    what: `app-environment ${app}/${environment}`,
    existing: 'reported',
    // A burst of heartbeats from one app-environment (a deploy) is evaluated a few times, not once each.
    covered:
      changedAt === undefined
        ? undefined
        : // A margin for the clocks of two function instances, which Amazon Time Sync keeps within a millisecond.
          (holder) => (holder.lease_acquired_at ?? 0) > changedAt + 50,
  });
  if (lease === undefined) return { opened: 0, written: 0 };
  try {
    const evaluatedAt = new Date().toISOString();
    const [appEnvironment, heads, dependencies, stored] = await Promise.all([
      readAppEnvironment(org, app, environment, true),
      readInstances(org, app, environment),
      readDependencies(org, app, environment),
      readAppEnvironmentFindings(org, app, environment, true),
    ]);
    const now = new Date();
    // An instance whose first inventory is being written has only a lease on its head so far.
    const live = new Set(
      heads
        .filter((head) =>
          head.sent_at === undefined
            ? head.lease_owner !== undefined
            : instanceStatus(head, now, lifecycle) !== 'retired',
        )
        .map((head) => head.instance),
    );
    const running = dependencies.filter((dependency) => live.has(dependency.instance));
    const advisories = await advisoriesForPackages(
      running.map((dependency) => dependency.name),
      options.freshAdvisories,
    );
    const { writes, deletes, opened } = diffFindings(
      org,
      app,
      environment,
      stored,
      computeFindings(running, advisories),
      evaluatedAt,
    );
    await writeFindingChanges(writes, deletes);
    const classification = appEnvironment
      ? effectiveClassification(appEnvironment)
      : { internet_facing: false, handles_pii: false, urls: [] };
    const alertsQueue = process.env[queues.alerts.urlEnv];
    for (const finding of opened.filter((item) => needsAlert(item, classification))) {
      if (!alertsQueue) throw new Error(`environment variable ${queues.alerts.urlEnv} is not set`);
      await enqueue(
        alertsQueue,
        `${finding.vulnerability}-${randomUUID()}`,
        alertOf(finding, org, classification),
      );
    }
    return { opened: opened.length, written: writes.length };
  } finally {
    await releaseLease(key, owner).catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
  }
}

import { randomUUID } from 'node:crypto';
import { appEnvironmentKey, effectiveClassification } from '../../shared/entities/app-environment.ts';
import type { FindingItem } from '../../shared/entities/finding.ts';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import { alertOf, computeFindings, diffFindings, needsAlert } from '../../shared/findings.ts';
import { type InstanceStatus, instanceStatus, isLive } from '../../shared/instance-status.ts';
import { alertNotifications } from '../../shared/notifications.ts';
import { diffUsage, usageRows } from '../../shared/usage.ts';
import { lifecycle } from '../lib/config.ts';
import { enqueueWork } from '../lib/queue.ts';
import { advisoriesForPackages } from '../stores/advisory-store.ts';
import { readAppEnvironment, readDependencies, readInstances } from '../stores/app-environment-store.ts';
import {
  markAlertDelivered,
  readAppEnvironmentFindings,
  writeFindingChanges,
} from '../stores/finding-store.ts';
import { acquireLease, isConditionFailure, releaseLease } from '../stores/lease.ts';
import {
  markUsageIndexed,
  readAppEnvironmentUsage,
  readUsageOutbox,
  writeUsageChanges,
} from '../stores/usage-store.ts';
import { summarizeAppEnvironment } from './summarize-app-environment.ts';

export interface EvaluationOptions {
  /**
   * When the change that asks for this evaluation was stored: an evaluation of the same
   * app-environment that took its lease after that reads the change, and makes this one needless.
   */
  changedAt?: number;
  /**
   * Whether to bring the app-environment's row of the apps list up to date afterwards; a heartbeat
   * does that itself once its instance's head is written.
   */
  summarize?: boolean;
}

/** An instance whose first inventory is being written has only a lease on its head so far: it runs. */
function statusForEvaluation(head: InstanceItem, now: Date): InstanceStatus {
  if (head.sent_at === undefined && head.lease_owner !== undefined && head.stopped_at === undefined) {
    return 'running';
  }
  return instanceStatus(head, now, lifecycle);
}

/**
 * Puts the alerts waiting in findings' outboxes on the work queue, all in one notification, each then
 * removed from its finding. Should that fail, the error fails the message that asked for the
 * evaluation, and its redelivery sends them; should removing fail after a send, the alerts go again,
 * and their sending, which records what it sent per finding, sends them to nobody twice.
 */
async function deliverAlerts(
  org: string,
  app: string,
  environment: string,
  findings: FindingItem[],
): Promise<void> {
  const pending = findings.filter((finding) => finding.alert !== undefined);
  if (pending.length === 0) return;
  for (const notification of alertNotifications(
    org,
    app,
    environment,
    pending.map((finding) => finding.alert!.event),
  )) {
    await enqueueWork(notification);
  }
  await Promise.all(pending.map((finding) => markAlertDelivered(finding, finding.alert!.id)));
}

/**
 * Brings an app-environment's findings up to date with what its live instances run and what the
 * advisories say: new findings open, changed ones are rewritten, those no instance is exposed to any
 * more are fixed, and its usage rows (what a lookup answers) follow what its live instances run. Only live instances count: running and stale ones, not those that stopped.
 * Evaluations of one app-environment take its lease, so they never interleave with each other or with
 * a suppression; each reads the current state after taking it. New critical or high findings on a
 * production, internet-facing app-environment raise an alert, written with the finding (an outbox)
 * and then put on the work queue for the notifications module to send.
 */
export async function evaluateAppEnvironment(
  org: string,
  app: string,
  environment: string,
  options: EvaluationOptions = {},
): Promise<{ opened: number; written: number }> {
  const key = appEnvironmentKey(org, app, environment);
  const owner = `evaluate-${randomUUID()}`;
  const { changedAt, summarize = true } = options;
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
  let result: { opened: number; written: number };
  try {
    const now = new Date();
    // Consistent reads: the heartbeat that asked for this evaluation has just written what it reads.
    const [appEnvironment, heads, dependencies, stored, usage] = await Promise.all([
      readAppEnvironment(org, app, environment, true),
      readInstances(org, app, environment, true),
      readDependencies(org, app, environment, true),
      readAppEnvironmentFindings(org, app, environment, true),
      readAppEnvironmentUsage(org, app, environment, true),
    ]);
    const statuses = new Map(heads.map((head) => [head.instance, statusForEvaluation(head, now)]));
    const live = dependencies.filter((dependency) => isLive(statuses.get(dependency.instance) ?? 'retired'));
    const running = new Set([...statuses].filter(([, status]) => status === 'running').map(([name]) => name));
    const advisories = await advisoriesForPackages(live.map((dependency) => dependency.name));
    const { writes, deletes, opened } = diffFindings(
      org,
      app,
      environment,
      stored,
      computeFindings(live, advisories, running),
      now.toISOString(),
    );
    const classification = appEnvironment
      ? effectiveClassification(appEnvironment)
      : { internet_facing: false, handles_pii: false, urls: [] };
    const unfinished = appEnvironment?.usage_outbox
      ? await readUsageOutbox(org, app, environment, appEnvironment.usage_outbox)
      : undefined;
    await writeUsageChanges(
      org,
      app,
      environment,
      owner,
      diffUsage(usage, usageRows(app, environment, classification, live), unfinished),
      unfinished,
    );
    if (appEnvironment && !appEnvironment.usage_indexed) await markUsageIndexed(org, app, environment, owner);
    for (const finding of opened.filter((item) => needsAlert(item, classification))) {
      const event = alertOf(finding, org, classification);
      finding.alert = { id: event.id, event };
    }
    await writeFindingChanges(writes, deletes);
    const replaced = new Set([...writes, ...deletes].map((finding) => finding.sk));
    await deliverAlerts(org, app, environment, [
      ...writes,
      ...stored.filter((finding) => !replaced.has(finding.sk)),
    ]);
    result = { opened: opened.length, written: writes.length };
  } finally {
    await releaseLease(key, owner).catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
  }
  if (summarize) await summarizeAppEnvironment(org, app, environment);
  return result;
}

import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  effectiveClassification,
} from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition, type DependencyItem } from '../../shared/entities/dependency.ts';
import {
  type AuditItem,
  appEnvironmentFindingsPrefix,
  auditKey,
  type FindingItem,
  type Suppression,
} from '../../shared/entities/finding.ts';
import { type InstanceItem, instanceSortKeyPrefix } from '../../shared/entities/instance.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import { computeFindings, diffFindings, needsAlert } from '../../shared/findings.ts';
import { instanceStatus } from '../../shared/instance-status.ts';
import { queues } from '../../shared/resources.ts';
import { config, lifecycle } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { enqueue } from '../lib/queue.ts';
import { advisoriesForPackages } from './advisory-store.ts';
import { batchWrite } from './batch-write.ts';
import { acquireLease, isConditionFailure, releaseLease } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

const beginsWith = <T>(pk: string, prefix: string) =>
  queryAll<T>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
  });

export interface EvaluationOptions {
  /** Read advisories from the table rather than from this container's five-minute cache. */
  freshAdvisories?: boolean;
  /**
   * When the change that asks for this evaluation was stored: an evaluation of the same
   * app-environment that took its lease after that reads the change, and makes this one needless.
   */
  changedAt?: number;
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
      documents.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
      beginsWith<InstanceItem>(organizationKey(org).pk, `${instanceSortKeyPrefix}${app}#${environment}#`),
      beginsWith<DependencyItem>(appEnvironmentPartition(org, app, environment), 'DEP#'),
      beginsWith<FindingItem>(organizationKey(org).pk, appEnvironmentFindingsPrefix(app, environment)),
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
    const { writes, opened } = diffFindings(
      org,
      app,
      environment,
      stored,
      computeFindings(running, advisories),
      evaluatedAt,
    );
    await batchWrite(
      tableName,
      writes.map((item) => ({ PutRequest: { Item: item } })),
    );
    const classification = appEnvironment.Item
      ? effectiveClassification(appEnvironment.Item as AppEnvironmentItem)
      : { internet_facing: false, handles_pii: false, urls: [] };
    const alertsQueue = process.env[queues.alerts.urlEnv];
    for (const finding of opened.filter((item) => needsAlert(item, classification))) {
      if (!alertsQueue) throw new Error(`environment variable ${queues.alerts.urlEnv} is not set`);
      await enqueue(alertsQueue, `${finding.vulnerability}-${randomUUID()}`, {
        type: 'finding.opened',
        org,
        app,
        environment,
        vulnerability: finding.vulnerability,
        aliases: finding.aliases,
        severity: finding.severity,
        summary: finding.summary,
        package: finding.package,
        instances: finding.instances,
        fixed_in: finding.fixed_in,
        urls: classification.urls,
        handles_pii: classification.handles_pii,
        opened_at: finding.opened_at,
      });
    }
    return { opened: opened.length, written: writes.length };
  } finally {
    await releaseLease(key, owner).catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
  }
}

/**
 * Sets (or, with `suppression` undefined, lifts) the suppression of every finding of a vulnerability in
 * an app-environment, and records the change in the organization's audit trail. False when the
 * app-environment has no finding of it.
 */
export async function setSuppression(
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
  actor: string,
  suppression: Omit<Suppression, 'created_at'> | undefined,
): Promise<boolean> {
  const findings = await beginsWith<FindingItem>(
    organizationKey(org).pk,
    `${appEnvironmentFindingsPrefix(app, environment)}${vulnerability}#`,
  );
  if (findings.length === 0) return false;
  const at = new Date().toISOString();
  for (const finding of findings) {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: finding.pk, sk: finding.sk },
        UpdateExpression: suppression ? 'SET suppression = :suppression' : 'REMOVE suppression',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: suppression
          ? { ':suppression': { ...suppression, created_at: at } }
          : undefined,
      }),
    );
  }
  const audit: AuditItem = {
    ...auditKey(org, at, randomUUID()),
    at,
    actor,
    action: suppression ? 'suppress' : 'unsuppress',
    app,
    environment,
    vulnerability,
    ...(suppression ? { reason: suppression.reason, expires_at: suppression.expires_at } : {}),
  };
  await documents.send(new PutCommand({ TableName: tableName, Item: audit }));
  return true;
}

import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import {
  appEnvironmentPartition,
  type DependencyState,
  dependencyItem,
  dependencyKey,
  instanceDependencyPrefix,
} from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { headExpiresAt } from '../../shared/instance-status.ts';
import {
  dependencyStates,
  diffDependencies,
  inventoryHash,
  planHeartbeat,
  reportedClassification,
} from '../../shared/inventory.ts';
import { config, lifecycle } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { evaluateAppEnvironment } from '../use-cases/evaluate-app-environment.ts';
import { batchWrite } from './batch-write.ts';
import { acquireLease, isConditionFailure, LeaseHeldError, releaseLease } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

export type HeartbeatOutcome = 'ignored' | 'coalesced' | 'touched' | 'written';

const expiresAt = (receivedAt: string): number => headExpiresAt(receivedAt, lifecycle);

/**
 * Applies one heartbeat to the inventory, idempotently and in sent_at order: a heartbeat that is a
 * duplicate or older than what is stored changes nothing, an unchanged inventory costs at most one
 * small write, and a changed one writes only the dependencies that changed.
 */
export async function applyHeartbeat(message: HeartbeatMessage): Promise<HeartbeatOutcome> {
  const { org, heartbeat } = message;
  const key = instanceKey(org, heartbeat.app, heartbeat.environment, heartbeat.instance);
  const hash = inventoryHash(heartbeat);
  // An eventually consistent read is enough here: every write below re-checks its precondition.
  const { Item: head } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: key,
      ProjectionExpression: 'sent_at, last_seen, inventory_hash',
    }),
  );
  const plan = planHeartbeat({
    head: head as InstanceItem | undefined,
    sentAt: heartbeat.sent_at,
    hash,
    receivedAt: message.received_at,
    lastSeenIntervalSeconds: config.LAST_SEEN_INTERVAL_SECONDS,
  });
  if (plan.kind === 'ignore') return 'ignored';
  if (plan.kind === 'coalesce') return 'coalesced';
  if (plan.kind === 'touch') {
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET sent_at = :sent, last_seen = :seen, expires_at = :expires',
          ConditionExpression: 'inventory_hash = :hash AND sent_at < :sent',
          ExpressionAttributeValues: {
            ':sent': heartbeat.sent_at,
            ':seen': message.received_at,
            ':expires': expiresAt(message.received_at),
            ':hash': hash,
          },
        }),
      );
      return 'touched';
    } catch (error) {
      // The stored inventory moved since it was read: decide again under the lease.
      if (!isConditionFailure(error)) throw error;
    }
  }
  return writeInventory(message, hash);
}

export function readInstanceDependencies(
  org: string,
  app: string,
  environment: string,
  instance: string,
): Promise<DependencyState[]> {
  return queryAll<DependencyState>({
    TableName: tableName,
    ConsistentRead: true,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: {
      ':pk': appEnvironmentPartition(org, app, environment),
      ':prefix': instanceDependencyPrefix(instance),
    },
    ProjectionExpression: '#name, version, ecosystem, started',
    ExpressionAttributeNames: { '#name': 'name' },
  });
}

async function recordClassification(message: HeartbeatMessage): Promise<void> {
  const { org, heartbeat } = message;
  await documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: appEnvironmentKey(org, heartbeat.app, heartbeat.environment),
        UpdateExpression:
          'SET app = :app, environment = :environment, reported = :reported, reported_sent_at = :sent, first_seen = if_not_exists(first_seen, :seen), overrides = if_not_exists(overrides, :none)',
        ConditionExpression: 'attribute_not_exists(reported_sent_at) OR reported_sent_at < :sent',
        ExpressionAttributeValues: {
          ':app': heartbeat.app,
          ':environment': heartbeat.environment,
          ':reported': reportedClassification(heartbeat),
          ':sent': heartbeat.sent_at,
          ':seen': message.received_at,
          ':none': {},
        },
      }),
    )
    .catch((error) => {
      // A newer heartbeat of this app-environment already set the classification.
      if (!isConditionFailure(error)) throw error;
    });
}

async function writeInventory(message: HeartbeatMessage, hash: string): Promise<HeartbeatOutcome> {
  const { org, heartbeat } = message;
  const { app, environment, instance } = heartbeat;
  const key = instanceKey(org, app, environment, instance);
  const head = (await acquireLease<InstanceItem>(key, message.id, {
    what: `instance ${instance}`,
    set: { app, environment, instance },
  }))!;
  if (head.sent_at && head.sent_at >= heartbeat.sent_at) {
    await releaseLease(key, message.id);
    return 'ignored';
  }
  const next = dependencyStates(heartbeat);
  const { upserts, removals } = diffDependencies(
    await readInstanceDependencies(org, app, environment, instance),
    next,
  );
  await recordClassification(message);
  await batchWrite(tableName, [
    ...upserts.map((dependency) => ({
      PutRequest: { Item: dependencyItem(org, app, environment, instance, dependency) },
    })),
    ...removals.map((name) => ({
      DeleteRequest: { Key: dependencyKey(org, app, environment, instance, name) },
    })),
  ]);
  // Before the head is written: should this fail, the redelivered message finds the head unchanged
  // and does all of it again, findings included.
  await evaluateAppEnvironment(org, app, environment, { changedAt: Date.now() });
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression:
          'SET sent_at = :sent, last_seen = :seen, expires_at = :expires, inventory_hash = :hash, dependency_count = :count, runtime = :runtime, #release = :release, git_sha = :sha, host = :host REMOVE lease_owner, lease_until, lease_acquired_at',
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeNames: { '#release': 'release' },
        ExpressionAttributeValues: {
          ':sent': heartbeat.sent_at,
          ':seen': message.received_at,
          ':expires': expiresAt(message.received_at),
          ':hash': hash,
          ':count': heartbeat.deps.length,
          ':runtime': heartbeat.runtime ?? {},
          ':release': heartbeat.release ?? null,
          ':sha': heartbeat.git_sha ?? null,
          ':host': heartbeat.host ?? null,
          ':owner': message.id,
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(`instance ${instance}`);
    throw error;
  }
  return 'written';
}

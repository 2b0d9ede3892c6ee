import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import {
  appEnvironmentPartition,
  type DependencyItem,
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
import { batchWrite } from './batch-write.ts';

const tableName = config.TABLE_NAME;

/**
 * A changed inventory is written under a lease on the instance head, so that two deliveries of the
 * same instance never interleave their dependency writes. It outlasts the consumer's timeout: a
 * consumer that dies leaves a lease that simply expires.
 */
const leaseMs = 120_000;

export type HeartbeatOutcome = 'ignored' | 'coalesced' | 'touched' | 'written';

export class LeaseHeldError extends Error {
  constructor(instance: string) {
    super(`instance ${instance} is being written by another delivery; retrying later`);
    this.name = 'LeaseHeldError';
  }
}

const isConditionFailure = (error: unknown): boolean =>
  (error as Error).name === 'ConditionalCheckFailedException';

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

/**
 * Deliveries of one instance in the same batch contend for its lease; a short wait lets the holder
 * finish before this delivery is handed back to SQS for a later retry.
 */
const leaseAttempts = 5;

async function acquireLease(message: HeartbeatMessage): Promise<InstanceItem> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryAcquireLease(message);
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || attempt === leaseAttempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

async function tryAcquireLease(message: HeartbeatMessage): Promise<InstanceItem> {
  const { org, heartbeat } = message;
  const now = Date.now();
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: instanceKey(org, heartbeat.app, heartbeat.environment, heartbeat.instance),
        UpdateExpression:
          'SET lease_owner = :owner, lease_until = :until, app = :app, environment = :environment, instance = :instance',
        ConditionExpression:
          'attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner',
        ExpressionAttributeValues: {
          ':owner': message.id,
          ':until': now + leaseMs,
          ':now': now,
          ':app': heartbeat.app,
          ':environment': heartbeat.environment,
          ':instance': heartbeat.instance,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as InstanceItem;
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(heartbeat.instance);
    throw error;
  }
}

async function releaseLease(message: HeartbeatMessage): Promise<void> {
  const { org, heartbeat } = message;
  await documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: instanceKey(org, heartbeat.app, heartbeat.environment, heartbeat.instance),
        UpdateExpression: 'REMOVE lease_owner, lease_until',
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeValues: { ':owner': message.id },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

export async function readInstanceDependencies(
  org: string,
  app: string,
  environment: string,
  instance: string,
): Promise<DependencyState[]> {
  const dependencies: DependencyState[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        ConsistentRead: true,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': appEnvironmentPartition(org, app, environment),
          ':prefix': instanceDependencyPrefix(instance),
        },
        ProjectionExpression: '#name, version, ecosystem, started',
        ExpressionAttributeNames: { '#name': 'name' },
        ExclusiveStartKey: startKey,
      }),
    );
    dependencies.push(...((page.Items ?? []) as DependencyItem[]));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return dependencies;
}

async function recordClassification(message: HeartbeatMessage): Promise<void> {
  const { org, heartbeat } = message;
  await documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: appEnvironmentKey(org, heartbeat.app, heartbeat.environment),
        UpdateExpression:
          'SET app = :app, environment = :environment, reported = :reported, reported_sent_at = :sent, first_seen = if_not_exists(first_seen, :seen)',
        ConditionExpression: 'attribute_not_exists(reported_sent_at) OR reported_sent_at < :sent',
        ExpressionAttributeValues: {
          ':app': heartbeat.app,
          ':environment': heartbeat.environment,
          ':reported': reportedClassification(heartbeat),
          ':sent': heartbeat.sent_at,
          ':seen': message.received_at,
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
  const head = await acquireLease(message);
  if (head.sent_at && head.sent_at >= heartbeat.sent_at) {
    await releaseLease(message);
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
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: instanceKey(org, app, environment, instance),
        UpdateExpression:
          'SET sent_at = :sent, last_seen = :seen, expires_at = :expires, inventory_hash = :hash, dependency_count = :count, runtime = :runtime, #release = :release, git_sha = :sha, host = :host REMOVE lease_owner, lease_until',
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeNames: { '#release': 'release' },
        ExpressionAttributeValues: {
          ':sent': heartbeat.sent_at,
          ':seen': message.received_at,
          ':expires': expiresAt(message.received_at),
          ':hash': hash,
          ':count': next.length,
          ':runtime': heartbeat.runtime ?? {},
          ':release': heartbeat.release ?? null,
          ':sha': heartbeat.git_sha ?? null,
          ':host': heartbeat.host ?? null,
          ':owner': message.id,
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(instance);
    throw error;
  }
  return 'written';
}

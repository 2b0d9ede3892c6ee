import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import {
  appEnvironmentPartition,
  type DependencyState,
  dependencyItem,
  dependencyKey,
  instanceDependencyPrefix,
} from '../../shared/entities/dependency.ts';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import type { Heartbeat, HeartbeatMessage } from '../../shared/heartbeat.ts';
import { type HeadState, reportedClassification } from '../../shared/inventory.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchWrite } from './batch-write.ts';
import { acquireLease, isConditionFailure, LeaseHeldError } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** The head as planning needs it. Eventually consistent: every write after it re-checks its precondition. */
export async function readHeadState(key: TableKey): Promise<HeadState | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: key,
      ProjectionExpression:
        'sent_at, last_seen, inventory_hash, stopped_at, dependencies_expire_at, lease_owner',
    }),
  );
  return Item as HeadState | undefined;
}

/**
 * Moves sent_at and last_seen of a running instance whose inventory is unchanged: one small write.
 * False when the head changed since it was read (another inventory, a stop, a lease).
 */
export async function touchHead(
  key: TableKey,
  touch: { sentAt: string; seenAt: string; expiresAt: number; hash: string },
): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET sent_at = :sent, last_seen = :seen, expires_at = :expires',
        ConditionExpression:
          'inventory_hash = :hash AND sent_at < :sent AND attribute_not_exists(stopped_at) AND attribute_not_exists(lease_owner)',
        ExpressionAttributeValues: {
          ':sent': touch.sentAt,
          ':seen': touch.seenAt,
          ':expires': touch.expiresAt,
          ':hash': touch.hash,
        },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The instance's lease, creating its head if need be; the head as it is once the lease is held. */
export async function leaseInstance(
  key: TableKey,
  owner: string,
  heartbeat: Heartbeat,
): Promise<InstanceItem> {
  const { app, environment, instance } = heartbeat;
  return (await acquireLease<InstanceItem>(key, owner, {
    what: `instance ${instance}`,
    set: { app, environment, instance },
  }))!;
}

/**
 * Marks the instance stopped (or running again) under its lease, before its app-environment is
 * evaluated, so that the evaluation, and any other that reads the head meanwhile, counts it right.
 */
export async function setStopped(key: TableKey, owner: string, stoppedAt: string | undefined): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: stoppedAt ? 'SET stopped_at = :stopped' : 'REMOVE stopped_at',
      ConditionExpression: 'lease_owner = :owner',
      ExpressionAttributeValues: { ':owner': owner, ...(stoppedAt ? { ':stopped': stoppedAt } : {}) },
    }),
  );
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

/** Puts the given dependency items, all with the TTL `expiresAt`, and deletes those no longer loaded. */
export function writeDependencies(
  org: string,
  heartbeat: Heartbeat,
  puts: DependencyState[],
  removals: string[],
  expiresAt: number,
): Promise<void> {
  const { app, environment, instance } = heartbeat;
  return batchWrite(tableName, [
    ...puts.map((dependency) => ({
      PutRequest: { Item: dependencyItem(org, app, environment, instance, dependency, expiresAt) },
    })),
    ...removals.map((name) => ({
      DeleteRequest: { Key: dependencyKey(org, app, environment, instance, name) },
    })),
  ]);
}

/** Stores the app-environment's classification as this heartbeat reports it, unless a newer one did. */
export async function recordClassification(message: HeartbeatMessage): Promise<void> {
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

export interface HeadWrite {
  sent_at: string;
  last_seen: string;
  expires_at: number;
  /** The inventory, when this heartbeat's was written; a stopping instance keeps the one it ran with. */
  inventory?: Pick<
    InstanceItem,
    | 'inventory_hash'
    | 'dependency_count'
    | 'runtime'
    | 'release'
    | 'git_sha'
    | 'host'
    | 'dependencies_expire_at'
  >;
}

/** Writes the head as the heartbeat leaves it and releases the lease: the last step of a write. */
export async function writeHead(key: TableKey, owner: string, head: HeadWrite): Promise<void> {
  const fields: Record<string, unknown> = {
    sent_at: head.sent_at,
    last_seen: head.last_seen,
    expires_at: head.expires_at,
    ...head.inventory,
  };
  const names = Object.keys(fields);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')} REMOVE lease_owner, lease_until, lease_acquired_at`,
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name) => [`:${name}`, fields[name] ?? null])),
          ':owner': owner,
        },
      }),
    );
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(`instance ${key.sk}`);
    throw error;
  }
}

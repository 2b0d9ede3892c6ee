import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ApiKeyRecord, generateApiKey, type Scope } from '../../shared/api-keys.ts';
import {
  type ApiKeyItem,
  apiKeyItem,
  apiKeyKey,
  organizationKeysPartition,
} from '../../shared/entities/api-key.ts';
import { organizationItem } from '../../shared/entities/organization.ts';
import { LruCache } from '../../shared/lru-cache.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { queryAll } from './query-all.ts';

/** A few megabytes of records at most, and more keys than a fleet's functions use at once. */
const keyCacheCapacity = 10_000;

/**
 * Key records by hash, trusted for KEY_CACHE_SECONDS: most requests then cost no read at all. Unknown
 * keys are remembered too, so that one repeated costs one read, and the cache is bounded, so that a
 * flood of invented keys costs one eventually consistent read each (0.5 RRU) and no memory beyond it.
 */
const cache = new LruCache<string, { record: ApiKeyRecord | undefined; until: number }>(keyCacheCapacity);

/** last_used_at is written at most this often per key, so authentication stays a read. */
const lastUsedIntervalMs = 60 * 60 * 1000;

export async function readApiKey(hash: string): Promise<ApiKeyRecord | undefined> {
  const now = Date.now();
  const cached = cache.get(hash);
  if (cached && cached.until > now) return cached.record;
  const { Item } = await documents.send(
    new GetCommand({ TableName: config.TABLE_NAME, Key: apiKeyKey(hash) }),
  );
  const record = Item as ApiKeyItem | undefined;
  cache.set(hash, { record, until: now + config.KEY_CACHE_SECONDS * 1000 });
  return record;
}

/** Records when a key was last used, at most hourly. */
export async function recordKeyUse(record: ApiKeyRecord): Promise<void> {
  const now = new Date();
  const threshold = new Date(now.getTime() - lastUsedIntervalMs).toISOString();
  if (record.last_used_at && record.last_used_at > threshold) return;
  record.last_used_at = now.toISOString();
  await documents
    .send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: apiKeyKey(record.hash),
        UpdateExpression: 'SET last_used_at = :now',
        ConditionExpression:
          'attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :threshold)',
        ExpressionAttributeValues: { ':now': record.last_used_at, ':threshold': threshold },
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
}

export interface CreatedApiKey {
  key: string;
  record: ApiKeyRecord;
}

export async function createApiKey(org: string, scope: Scope, now = new Date()): Promise<CreatedApiKey> {
  const { key, prefix, hash } = generateApiKey();
  const record: ApiKeyRecord = { hash, prefix, org, scope, created_at: now.toISOString() };
  await documents
    .send(
      new PutCommand({
        TableName: config.TABLE_NAME,
        Item: organizationItem(org, record.created_at),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    )
    .catch((error: Error) => {
      if (error.name !== 'ConditionalCheckFailedException') throw error;
    });
  await documents.send(
    new PutCommand({
      TableName: config.TABLE_NAME,
      Item: apiKeyItem(record),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { key, record };
}

export function listApiKeys(org: string): Promise<ApiKeyRecord[]> {
  return queryAll<ApiKeyItem>({
    TableName: config.TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': organizationKeysPartition(org) },
  });
}

/** Revokes the organization's key with this prefix; false when it has none. */
export async function revokeApiKey(org: string, prefix: string, now = new Date()): Promise<boolean> {
  const key = (await listApiKeys(org)).find((record) => record.prefix === prefix);
  if (!key) return false;
  await documents.send(
    new UpdateCommand({
      TableName: config.TABLE_NAME,
      Key: apiKeyKey(key.hash),
      UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :now)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':now': now.toISOString() },
    }),
  );
  return true;
}

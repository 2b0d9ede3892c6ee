import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Versions } from '../../shared/advisory-listing.ts';
import type { AdvisorySource } from '../../shared/advisory-sources.ts';
import {
  advisoryPartition,
  type ManifestPageItem,
  manifestPageKey,
  manifestPageSize,
  manifestPrefix,
  type SourceStateItem,
  sourceStateKey,
  sourceStatePrefix,
  syncRunKey,
} from '../../shared/entities/advisory-source.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchWrite } from './batch-write.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** Every source's state: one Query of small items, whatever number of records the sources hold. */
export async function readSourceStates(): Promise<Map<string, SourceStateItem>> {
  const items = await queryAll<SourceStateItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': advisoryPartition, ':prefix': sourceStatePrefix },
  });
  return new Map(items.map((item) => [item.source, item]));
}

export async function readSourceState(source: string): Promise<SourceStateItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: sourceStateKey(source), ConsistentRead: true }),
  );
  return Item as SourceStateItem | undefined;
}

export async function saveSourceState(state: Omit<SourceStateItem, 'pk' | 'sk'>): Promise<void> {
  await documents.send(
    new PutCommand({ TableName: tableName, Item: { ...sourceStateKey(state.source), ...state } }),
  );
}

/** A sync that found the source's listing unchanged: only its times move. */
export async function recordUnchangedSync(source: string, at: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: sourceStateKey(source),
      UpdateExpression: 'SET last_attempt_at = :at, last_success_at = :at',
      // Only a source synced before has validators that can make its listing unchanged.
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

/** A failed sync: recorded without touching what the last successful one stored. */
export async function recordFailedSync(source: AdvisorySource, at: string, message: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: sourceStateKey(source.id),
      UpdateExpression: [
        'SET #source = :source, kind = :kind, last_attempt_at = :at, last_error = :error',
        'records = if_not_exists(records, :zero), last_success_at = if_not_exists(last_success_at, :null)',
        'rejected = if_not_exists(rejected, :none), #format = if_not_exists(#format, :zero)',
      ].join(', '),
      ExpressionAttributeNames: { '#source': 'source', '#format': 'format' },
      ExpressionAttributeValues: {
        ':source': source.id,
        ':kind': source.kind,
        ':at': at,
        ':error': { at, message },
        ':zero': 0,
        ':null': null,
        ':none': [],
      },
    }),
  );
}

/** The version of each record imported from a source, with the number of pages it filled. */
export async function readManifest(source: string): Promise<{ versions: Versions; pages: number }> {
  const pages = await queryAll<ManifestPageItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': advisoryPartition, ':prefix': manifestPrefix(source) },
    ConsistentRead: true,
  });
  const versions: Versions = new Map();
  for (const page of pages)
    for (const [id, version] of Object.entries(page.versions)) versions.set(id, version);
  return { versions, pages: pages.length };
}

/** Rewrites a source's manifest, removing pages it no longer fills. */
export async function writeManifest(source: string, versions: Versions, pagesBefore: number): Promise<void> {
  const entries = [...versions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pages = Math.ceil(entries.length / manifestPageSize);
  await batchWrite(tableName, [
    ...Array.from({ length: pages }, (_, page) => ({
      PutRequest: {
        Item: {
          ...manifestPageKey(source, page),
          versions: Object.fromEntries(entries.slice(page * manifestPageSize, (page + 1) * manifestPageSize)),
        } satisfies ManifestPageItem,
      },
    })),
    ...Array.from({ length: Math.max(0, pagesBefore - pages) }, (_, index) => ({
      DeleteRequest: { Key: manifestPageKey(source, pages + index) },
    })),
  ]);
}

/** Takes the sync's run lock until `untilMs`, unless another run holds it; false when one does. */
export async function claimSyncRun(owner: string, untilMs: number): Promise<boolean> {
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...syncRunKey, owner, until: untilMs },
        ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':now': Date.now() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export async function releaseSyncRun(owner: string): Promise<void> {
  await documents
    .send(
      new DeleteCommand({
        TableName: tableName,
        Key: syncRunKey,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

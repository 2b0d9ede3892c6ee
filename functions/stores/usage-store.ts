import { randomUUID } from 'node:crypto';
import { QueryCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition } from '../../shared/entities/dependency.ts';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import {
  organizationKey,
  type PackageCatalogItem,
  packageCatalogKey,
  packageCatalogPrefix,
} from '../../shared/entities/organization.ts';
import {
  type UsageCountItem,
  type UsageDriftItem,
  type UsageItem,
  usageCountKey,
  usageCountPartition,
  usageDriftItem,
  usageDriftKey,
  usageDriftPartition,
  usageItem,
  usageKey,
  usagePartition,
  usageSortKeyPrefix,
} from '../../shared/entities/usage.ts';
import type { CountDelta, PendingUsage, UsageChanges, UsageOutboxRecord } from '../../shared/usage.ts';
import type { VersionSelector } from '../../shared/version-selector.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { eachLimited } from '../lib/each-limited.ts';
import { batchWrite } from './batch-write.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';
import { queryPage } from './ranked-page.ts';

const tableName = config.TABLE_NAME;

/** An app-environment's usage rows: one Query on its partition, consistent for an evaluation. */
export const readAppEnvironmentUsage = (
  org: string,
  app: string,
  environment: string,
  consistent = false,
): Promise<UsageItem[]> =>
  queryAll<UsageItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: {
      ':pk': appEnvironmentPartition(org, app, environment),
      ':prefix': usageSortKeyPrefix,
    },
    ...(consistent ? { ConsistentRead: true } : {}),
  });

const markerOf = (token: string) => `applied_${token}`;

/**
 * Adds one delta to its version's counts, once per token: a repeated one fails its condition. True when
 * its package may be missing from the organization's catalog: the version was never counted before, or
 * the delta was applied by an evaluation that may have stopped before cataloguing it.
 */
async function applyDelta(org: string, token: string, delta: CountDelta): Promise<boolean> {
  const fields = Object.keys(delta.add);
  return documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: usageCountKey(org, delta.package, delta.version),
        UpdateExpression: `SET #package = :package, #version = :version, #marker = :applied ADD ${fields
          .map((field) => `#${field} :${field}`)
          .join(', ')}`,
        ConditionExpression: 'attribute_not_exists(#marker)',
        ExpressionAttributeNames: {
          '#package': 'package',
          '#version': 'version',
          '#marker': markerOf(token),
          ...Object.fromEntries(fields.map((field) => [`#${field}`, field])),
        },
        ExpressionAttributeValues: {
          ':package': delta.package,
          ':version': delta.version,
          ':applied': true,
          ...Object.fromEntries(fields.map((field) => [`:${field}`, delta.add[field]])),
        },
        // The old package attribute, when there was one: none means a first count.
        ReturnValues: 'UPDATED_OLD',
      }),
    )
    .then(
      ({ Attributes }) => Attributes?.package === undefined,
      (error) => {
        // Applied before, by the evaluation that this one finishes.
        if (!isConditionFailure(error)) throw error;
        return true;
      },
    );
}

/**
 * Applies deltas with one token, then adds to the catalog the packages that may be missing from it,
 * before the caller moves on from the outbox: an evaluation that dies in between leaves the outbox to
 * the next one, which catalogues them.
 */
async function applyDeltas(org: string, token: string, deltas: CountDelta[]): Promise<void> {
  const uncatalogued = new Set<string>();
  await eachLimited(deltas, updateConcurrency, async (delta) => {
    if (await applyDelta(org, token, delta)) uncatalogued.add(delta.package);
  });
  await addToPackageCatalog(org, [...uncatalogued]);
}

const dropMarker = (org: string, token: string, delta: CountDelta) =>
  documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: usageCountKey(org, delta.package, delta.version),
      UpdateExpression: 'REMOVE #marker',
      ExpressionAttributeNames: { '#marker': markerOf(token) },
    }),
  );

/** Count updates in flight at once: enough to be quick, few enough not to flood the table or the client. */
const updateConcurrency = 32;

/** Entries of an outbox per item: each well under DynamoDB's 400 KB, whatever the package names. */
const outboxEntriesPerItem = 500;

const outboxKey = (org: string, app: string, environment: string, token: string, index: number) => ({
  pk: appEnvironmentPartition(org, app, environment),
  sk: `USES-OUTBOX#${token}#${index}`,
});

/** The outbox of an evaluation that did not finish, as its record on the app-environment names it. */
export async function readUsageOutbox(
  org: string,
  app: string,
  environment: string,
  record: UsageOutboxRecord,
): Promise<PendingUsage> {
  const items = await queryAll<{ deltas: CountDelta[]; intended: PendingUsage['intended'] }>({
    TableName: tableName,
    ConsistentRead: true,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: {
      ':pk': appEnvironmentPartition(org, app, environment),
      ':prefix': `USES-OUTBOX#${record.token}#`,
    },
  });
  return {
    token: record.token,
    deltas: items.flatMap((item) => item.deltas),
    intended: Object.assign({}, ...items.map((item) => item.intended)),
  };
}

function outboxItems(org: string, app: string, environment: string, pending: PendingUsage) {
  const intended = Object.entries(pending.intended);
  const count = Math.max(
    1,
    Math.ceil(Math.max(pending.deltas.length, intended.length) / outboxEntriesPerItem),
  );
  return Array.from({ length: count }, (_, index) => ({
    ...outboxKey(org, app, environment, pending.token, index),
    deltas: pending.deltas.slice(index * outboxEntriesPerItem, (index + 1) * outboxEntriesPerItem),
    intended: Object.fromEntries(
      intended.slice(index * outboxEntriesPerItem, (index + 1) * outboxEntriesPerItem),
    ),
  }));
}

/** Records the outbox on the app-environment, or removes the record, under the evaluation's lease. */
async function setOutboxRecord(
  org: string,
  app: string,
  environment: string,
  owner: string,
  record: UsageOutboxRecord | undefined,
): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: appEnvironmentKey(org, app, environment),
      UpdateExpression: record ? 'SET usage_outbox = :record' : 'REMOVE usage_outbox',
      ConditionExpression: 'lease_owner = :owner',
      ExpressionAttributeValues: { ':owner': owner, ...(record ? { ':record': record } : {}) },
    }),
  );
}

/**
 * Writes an evaluation's usage changes under the app-environment's lease (held by `owner`). The count
 * deltas go first into an outbox (items in the app-environment's partition, named by a record on the
 * app-environment), then the rows, then each delta with the outbox's token; so an evaluation that dies
 * part-way leaves its outbox to the next one, which applies the same deltas with the same token, and
 * each lands exactly once. `unfinished` is such an outbox, found through the record.
 */
export async function writeUsageChanges(
  org: string,
  app: string,
  environment: string,
  owner: string,
  changes: UsageChanges,
  unfinished: PendingUsage | undefined,
): Promise<void> {
  if (unfinished) await applyDeltas(org, unfinished.token, unfinished.deltas);
  const pending =
    changes.deltas.length > 0
      ? { token: randomUUID().replaceAll('-', ''), deltas: changes.deltas, intended: changes.intended }
      : undefined;
  const outbox = pending ? outboxItems(org, app, environment, pending) : [];
  if (pending) {
    await batchWrite(
      tableName,
      outbox.map((item) => ({ PutRequest: { Item: item } })),
    );
    await setOutboxRecord(org, app, environment, owner, { token: pending.token });
  }
  // Drift rows add nothing to the counts, so a package that runs only in drift is catalogued here,
  // before its rows are written: an evaluation that dies in between writes them, and this, again.
  await addToPackageCatalog(
    org,
    changes.driftPuts.map((row) => row.package),
  );
  await batchWrite(tableName, [
    ...changes.puts.map((row) => ({ PutRequest: { Item: usageItem(org, row) } })),
    ...changes.deletes.map((row) => ({
      DeleteRequest: { Key: usageKey(org, app, environment, row.package, row.version) },
    })),
    ...changes.driftPuts.map((row) => ({ PutRequest: { Item: usageDriftItem(org, row) } })),
    ...changes.driftDeletes.map((row) => ({
      DeleteRequest: { Key: usageDriftKey(org, row.package, app, environment, row.version) },
    })),
  ]);
  if (pending) await applyDeltas(org, pending.token, pending.deltas);
  if (!pending && !unfinished) return;
  await setOutboxRecord(org, app, environment, owner, undefined);
  // The record is gone, so nothing reads the outboxes or the markers any more.
  const finished = [pending, unfinished].filter((done): done is PendingUsage => done !== undefined);
  await batchWrite(
    tableName,
    finished.flatMap((done) =>
      outboxItems(org, app, environment, done).map((item) => ({
        DeleteRequest: { Key: { pk: item.pk, sk: item.sk } },
      })),
    ),
  );
  for (const done of finished) {
    await eachLimited(done.deltas, updateConcurrency, (delta) => dropMarker(org, done.token, delta));
  }
}

/**
 * Records that the app-environment's usage rows have been written once: app-environments from before
 * usage rows existed lack it, and the daily retirement asks for their evaluation.
 */
export async function markUsageIndexed(org: string, app: string, environment: string, owner: string) {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: appEnvironmentKey(org, app, environment),
      UpdateExpression: 'SET usage_indexed = :indexed',
      ConditionExpression: 'lease_owner = :owner',
      ExpressionAttributeValues: { ':indexed': true, ':owner': owner },
    }),
  );
}

/** The key condition on a sort key `<head><version key>…` that covers the selected versions. */
function versionCondition(attribute: string, head: string, keys: VersionSelector['keys']) {
  const low = head + (keys.low ?? '');
  // After every key that starts with the head: '$' follows '#', and U+10FFFF every character.
  const high = keys.high === undefined ? (head ? `${head.slice(0, -1)}$` : '\u{10ffff}') : head + keys.high;
  return low === ''
    ? { expression: `${attribute} <= :high`, values: { ':high': high } }
    : { expression: `${attribute} BETWEEN :low AND :high`, values: { ':low': low, ':high': high } };
}

/** The Query of one exposure rank's rows of a package, in the selected versions' key range. */
export function usageRankQuery(
  org: string,
  packageName: string,
  rank: number,
  keys: VersionSelector['keys'],
): QueryCommandInput {
  const condition = versionCondition('gsi1sk', `${rank}#`, keys);
  return {
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: `gsi1pk = :pk AND ${condition.expression}`,
    ExpressionAttributeValues: { ':pk': usagePartition(org, packageName), ...condition.values },
  };
}

/** One page of a rank's rows from a position: at most `limit` items read. */
export async function readUsagePage(
  query: QueryCommandInput,
  limit: number,
  startKey: Record<string, unknown> | undefined,
): Promise<{ items: UsageItem[]; lastKey: Record<string, unknown> | undefined }> {
  return queryPage<UsageItem>(query, limit, startKey);
}

/** The counts of every version of a package in the selected key range. */
export const readUsageCounts = (org: string, packageName: string, keys: VersionSelector['keys']) => {
  const condition = versionCondition('sk', '', keys);
  return queryAll<UsageCountItem>({
    TableName: tableName,
    KeyConditionExpression: `pk = :pk AND ${condition.expression}`,
    ExpressionAttributeValues: { ':pk': usageCountPartition(org, packageName), ...condition.values },
  });
};

/** Every drift copy of a package's rows: the app-environments that run more than one of its versions. */
export const readUsageDrift = (org: string, packageName: string) =>
  queryAll<UsageDriftItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': usageDriftPartition(org, packageName) },
  });

/**
 * Adds package names to the organization's catalog: one ADD to a string set per first character, which
 * changes nothing for a name already there.
 */
async function addToPackageCatalog(org: string, names: string[]): Promise<void> {
  const byItem = new Map<string, { key: TableKey; names: Set<string> }>();
  for (const name of names) {
    const key = packageCatalogKey(org, name);
    const item = byItem.get(key.sk) ?? { key, names: new Set<string>() };
    item.names.add(name);
    byItem.set(key.sk, item);
  }
  await Promise.all(
    [...byItem.values()].map(({ key, names: added }) =>
      documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'ADD #names :names',
          ExpressionAttributeNames: { '#names': 'names' },
          ExpressionAttributeValues: { ':names': added },
        }),
      ),
    ),
  );
}

/** Every package name the organization has reported: one Query of its catalog items. */
export async function readPackageCatalog(org: string): Promise<string[]> {
  const items = await queryAll<PackageCatalogItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': organizationKey(org).pk, ':prefix': packageCatalogPrefix },
  });
  return items.flatMap((item) => [...item.names]);
}

/**
 * Whether any version of the package was ever counted in the organization: one item read. Counts are
 * kept since before the catalog was, so they know the packages an organization reported before it.
 */
export async function hasUsageCounts(org: string, packageName: string): Promise<boolean> {
  const { Items } = await documents.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': usageCountPartition(org, packageName) },
      Limit: 1,
    }),
  );
  return (Items ?? []).length > 0;
}

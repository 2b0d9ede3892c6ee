import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AppEnvironmentItems, RuntimeItems } from '../../shared/app-environment-detail.ts';
import type { ClassificationOverride } from '../../shared/classification-override.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  appEnvironmentSortKeyPrefix,
  appListPartition,
  type Classification,
} from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition, type DependencyItem } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceSortKeyPrefix } from '../../shared/entities/instance.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import {
  type LatestScanItem,
  latestScanSortKeyPrefix,
  type ScanItem,
  scanKey,
} from '../../shared/entities/scan.ts';
import { NotFoundError } from '../../shared/errors.ts';
import type { InstanceSummary } from '../../shared/fleet-summary.ts';
import type { SeverityCounts } from '../../shared/scan-report.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchGet } from './batch-get.ts';
import { readAppEnvironmentFindings } from './finding-store.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';
import { queryPage } from './ranked-page.ts';

const tableName = config.TABLE_NAME;

const notFound = (app: string, environment: string) =>
  new NotFoundError(`no app-environment ${app}/${environment} in this organization`);

const beginsWith = <T>(pk: string, prefix: string, consistent = false) =>
  queryAll<T>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    ...(consistent ? { ConsistentRead: true } : {}),
  });

export async function readAppEnvironment(
  org: string,
  app: string,
  environment: string,
  consistent = false,
): Promise<AppEnvironmentItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: appEnvironmentKey(org, app, environment),
      ...(consistent ? { ConsistentRead: true } : {}),
    }),
  );
  return Item as AppEnvironmentItem | undefined;
}

/**
 * The heads of an app-environment's instances: one Query on the organization's partition. An
 * evaluation reads them consistently, since it must see what the heartbeat that asked for it wrote.
 */
export const readInstances = (org: string, app: string, environment: string, consistent = false) =>
  beginsWith<InstanceItem>(
    organizationKey(org).pk,
    `${instanceSortKeyPrefix}${app}#${environment}#`,
    consistent,
  );

/** Every dependency item of every instance of an app-environment: one Query on its partition. */
export const readDependencies = (org: string, app: string, environment: string, consistent = false) =>
  beginsWith<DependencyItem>(appEnvironmentPartition(org, app, environment), 'DEP#', consistent);

/** An app's latest scan of each tool: one Query on the organization's partition. */
export const readLatestScans = (org: string, app: string) =>
  beginsWith<LatestScanItem>(organizationKey(org).pk, `${latestScanSortKeyPrefix}${app}#`);

/** Every environment of an app: one Query on the organization's partition. */
export const readAppEnvironmentsOfApp = (org: string, app: string) =>
  beginsWith<AppEnvironmentItem>(organizationKey(org).pk, `${appEnvironmentSortKeyPrefix}${app}#`);

/**
 * An update of an app-environment that one newer than it makes needless: its condition failing means
 * the newer one is there. It never creates an app-environment that no instance reported.
 */
const updateUnlessNewer = (
  org: string,
  app: string,
  environment: string,
  update: Pick<
    UpdateCommandInput,
    'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
  > & {
    newer: string;
  },
): Promise<void> =>
  documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: appEnvironmentKey(org, app, environment),
        UpdateExpression: update.UpdateExpression,
        ConditionExpression: `attribute_exists(reported) AND (${update.newer})`,
        ExpressionAttributeNames: update.ExpressionAttributeNames,
        ExpressionAttributeValues: update.ExpressionAttributeValues,
      }),
    )
    .then(
      () => undefined,
      (error) => {
        if (!isConditionFailure(error)) throw error;
      },
    );

/**
 * Writes what the apps list shows of an app-environment, and its place in the list, unless a summary
 * computed later is there already (two refreshes may race; the later reads win).
 */
export async function writeInstanceSummary(
  org: string,
  app: string,
  environment: string,
  summary: InstanceSummary,
  sortKey: string,
): Promise<void> {
  await updateUnlessNewer(org, app, environment, {
    UpdateExpression: 'SET summary = :summary, gsi1pk = :pk, gsi1sk = :sk',
    newer: 'attribute_not_exists(summary) OR summary.#at <= :at',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: {
      ':summary': summary,
      ':pk': appListPartition(org),
      ':sk': sortKey,
      ':at': summary.at,
    },
  });
}

/** Records an app's scan counts on one of its app-environments, unless counts from newer scans are there. */
export async function writeScanCounts(
  org: string,
  app: string,
  environment: string,
  counts: SeverityCounts,
  receivedAt: string,
): Promise<void> {
  await updateUnlessNewer(org, app, environment, {
    UpdateExpression: 'SET scan_counts = :counts, scans_received_at = :at',
    newer: 'attribute_not_exists(scans_received_at) OR scans_received_at <= :at',
    ExpressionAttributeValues: { ':counts': counts, ':at': receivedAt },
  });
}

/**
 * One page of the apps list (gsi1) over a run of consecutive exposure ranks, from a position: at most
 * `limit` items read, in list order.
 */
export async function readAppListPage(
  org: string,
  ranks: { first: number; last: number },
  limit: number,
  startKey: Record<string, unknown> | undefined,
): Promise<{ items: AppEnvironmentItem[]; lastKey: Record<string, unknown> | undefined }> {
  return queryPage<AppEnvironmentItem>(
    {
      TableName: tableName,
      IndexName: 'gsi1',
      // '$' follows '#': the range holds every key that starts with one of the ranks.
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :first AND :last',
      ExpressionAttributeValues: {
        ':pk': appListPartition(org),
        ':first': `${ranks.first}#`,
        ':last': `${ranks.last}$`,
      },
    },
    limit,
    startKey,
  );
}

/**
 * What runs in an app-environment: its record, its instances, every instance's dependencies and its
 * findings: a GetItem and three Queries, in parallel.
 */
export async function readRuntimeItems(org: string, app: string, environment: string): Promise<RuntimeItems> {
  const [appEnvironment, instances, dependencies, findings] = await Promise.all([
    readAppEnvironment(org, app, environment),
    readInstances(org, app, environment),
    readDependencies(org, app, environment),
    readAppEnvironmentFindings(org, app, environment),
  ]);
  if (!appEnvironment) throw notFound(app, environment);
  return { appEnvironment, instances, dependencies, findings };
}

/** What runs in an app-environment, and the app's latest scans with their reports. */
export async function readAppEnvironmentItems(
  org: string,
  app: string,
  environment: string,
): Promise<AppEnvironmentItems> {
  const [runtime, latestScans] = await Promise.all([
    readRuntimeItems(org, app, environment),
    readLatestScans(org, app),
  ]);
  const reports = await batchGet<ScanItem>(
    tableName,
    latestScans.map((scan) => scanKey(org, app, scan.commit_sha, scan.tool)),
  );
  return { ...runtime, latestScans, scanReports: [...reports.values()] };
}

/** Sets or, for null fields, removes an admin's classification overrides; 404 for an unknown app. */
export async function overrideClassification(
  org: string,
  app: string,
  environment: string,
  override: ClassificationOverride,
): Promise<AppEnvironmentItem> {
  const set: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(override) as [keyof Classification, unknown][]) {
    names[`#${field}`] = field;
    if (value === null) remove.push(`overrides.#${field}`);
    else {
      set.push(`overrides.#${field} = :${field}`);
      values[`:${field}`] = value;
    }
  }
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: appEnvironmentKey(org, app, environment),
        UpdateExpression: [
          set.length ? `SET ${set.join(', ')}` : '',
          remove.length ? `REMOVE ${remove.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(' '),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as AppEnvironmentItem;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') throw notFound(app, environment);
    throw error;
  }
}

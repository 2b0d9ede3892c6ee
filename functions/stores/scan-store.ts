import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AppScanSettingsItem,
  appScanSettingsKey,
  commitScansPrefix,
  type LatestScanItem,
  latestScanKey,
  type ScanItem,
  scanKey,
  scanPartition,
  storedFindings,
} from '../../shared/entities/scan.ts';
import type { ScanTool } from '../../shared/scan-report.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

const ignoreConditionFailure = (error: Error) => {
  if (!isConditionFailure(error)) throw error;
};

const newerOnly = 'attribute_not_exists(received_at) OR received_at <= :received';

/** A scan report as stored, before its findings are cut to fit. */
export type ScanRecord = Omit<ScanItem, 'pk' | 'sk' | 'findings' | 'truncated' | 'fingerprints'> &
  Pick<ScanItem, 'findings'>;

/**
 * Stores a scan report, and when it is of the default branch makes it the app's latest of its tool.
 * Re-delivery and re-upload of the same commit are idempotent; a report received earlier than the
 * stored one never replaces it, so out-of-order delivery keeps the newest. One item each: 1 WRU per KB.
 */
export async function recordScan(org: string, record: ScanRecord): Promise<void> {
  const { findings, ...summary } = record;
  await documents
    .send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...scanKey(org, record.app, record.commit_sha, record.tool),
          ...summary,
          ...storedFindings(findings),
        },
        ConditionExpression: newerOnly,
        ExpressionAttributeValues: { ':received': record.received_at },
      }),
    )
    .catch(ignoreConditionFailure);
  if (!record.on_default_branch) return;
  const latest: LatestScanItem = {
    ...latestScanKey(org, record.app, record.tool),
    app: record.app,
    commit_sha: record.commit_sha,
    tool: record.tool,
    ref: record.ref,
    received_at: record.received_at,
    counts: record.counts,
  };
  await documents
    .send(
      new PutCommand({
        TableName: tableName,
        Item: latest,
        ConditionExpression: newerOnly,
        ExpressionAttributeValues: { ':received': record.received_at },
      }),
    )
    .catch(ignoreConditionFailure);
}

/** One tool's report on one commit; a strongly consistent read, as it may have just been written. */
export async function readScan(
  org: string,
  app: string,
  commitSha: string,
  tool: ScanTool,
): Promise<ScanItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: scanKey(org, app, commitSha, tool), ConsistentRead: true }),
  );
  return Item as ScanItem | undefined;
}

/** Every tool's report on one commit: one Query, as many RCUs as their size. */
export const readScansOfCommit = (org: string, app: string, commitSha: string) =>
  queryAll<ScanItem>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': scanPartition(org, app), ':prefix': commitScansPrefix(commitSha) },
    ConsistentRead: true,
  });

/** The default branch's latest report of one tool, by its summary in the organization partition. */
export async function readLatestDefaultBranchScan(
  org: string,
  app: string,
  tool: ScanTool,
): Promise<ScanItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: latestScanKey(org, app, tool) }),
  );
  const latest = Item as LatestScanItem | undefined;
  return latest && readScan(org, app, latest.commit_sha, tool);
}

export async function readAppScanSettings(
  org: string,
  app: string,
): Promise<AppScanSettingsItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: appScanSettingsKey(org, app) }),
  );
  return Item as AppScanSettingsItem | undefined;
}

/** Sets what is given of an app's scan settings; null removes a setting. */
export async function updateAppScanSettings(
  org: string,
  app: string,
  changes: { default_branch?: string | null; check_fails_on?: AppScanSettingsItem['check_fails_on'] | null },
): Promise<AppScanSettingsItem> {
  const set = Object.entries(changes).filter(([, value]) => value !== undefined && value !== null);
  const remove = Object.entries(changes).filter(([, value]) => value === null);
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: appScanSettingsKey(org, app),
      UpdateExpression: [
        `SET app = :app${set.map(([name]) => `, ${name} = :${name}`).join('')}`,
        remove.length ? `REMOVE ${remove.map(([name]) => name).join(', ')}` : '',
      ].join(' '),
      ExpressionAttributeValues: {
        ':app': app,
        ...Object.fromEntries(set.map(([name, value]) => [`:${name}`, value])),
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes as AppScanSettingsItem;
}

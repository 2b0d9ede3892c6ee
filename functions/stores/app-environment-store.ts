import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppEnvironmentItems } from '../../shared/app-environment-detail.ts';
import type { ClassificationOverride } from '../../shared/classification-override.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  type Classification,
} from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition, type DependencyItem } from '../../shared/entities/dependency.ts';
import { appEnvironmentFindingsPrefix, type FindingItem } from '../../shared/entities/finding.ts';
import { type InstanceItem, instanceSortKeyPrefix } from '../../shared/entities/instance.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import {
  type LatestScanItem,
  latestScanSortKeyPrefix,
  type ScanItem,
  scanKey,
} from '../../shared/entities/scan.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchGet } from './batch-get.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

const notFound = (app: string, environment: string) =>
  new NotFoundError(`no app-environment ${app}/${environment} in this organization`);

/** An app-environment with its instances, every instance's dependencies and the app's latest scans. */
export async function readAppEnvironmentItems(
  org: string,
  app: string,
  environment: string,
): Promise<AppEnvironmentItems> {
  const beginsWith = (pk: string, prefix: string) =>
    queryAll<unknown>({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    });
  const [appEnvironment, instances, dependencies, latestScans, findings] = await Promise.all([
    documents.send(new GetCommand({ TableName: tableName, Key: appEnvironmentKey(org, app, environment) })),
    beginsWith(organizationKey(org).pk, `${instanceSortKeyPrefix}${app}#${environment}#`),
    beginsWith(appEnvironmentPartition(org, app, environment), 'DEP#'),
    beginsWith(organizationKey(org).pk, `${latestScanSortKeyPrefix}${app}#`),
    beginsWith(organizationKey(org).pk, appEnvironmentFindingsPrefix(app, environment)),
  ]);
  if (!appEnvironment.Item) throw notFound(app, environment);
  const scans = latestScans as LatestScanItem[];
  const reports = await batchGet<ScanItem>(
    tableName,
    scans.map((scan) => scanKey(org, app, scan.commit_sha, scan.tool)),
  );
  return {
    appEnvironment: appEnvironment.Item as AppEnvironmentItem,
    instances: instances as InstanceItem[],
    dependencies: dependencies as DependencyItem[],
    latestScans: scans,
    scanReports: [...reports.values()],
    findings: findings as FindingItem[],
  };
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

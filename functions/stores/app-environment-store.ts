import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AppEnvironmentItems } from '../../shared/app-environment-detail.ts';
import type { ClassificationOverride } from '../../shared/classification-override.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
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
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchGet } from './batch-get.ts';
import { readAppEnvironmentFindings } from './finding-store.ts';
import { queryAll } from './query-all.ts';

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

/** An app-environment with its instances, every instance's dependencies and the app's latest scans. */
export async function readAppEnvironmentItems(
  org: string,
  app: string,
  environment: string,
): Promise<AppEnvironmentItems> {
  const [appEnvironment, instances, dependencies, latestScans, findings] = await Promise.all([
    readAppEnvironment(org, app, environment),
    readInstances(org, app, environment),
    readDependencies(org, app, environment),
    beginsWith<LatestScanItem>(organizationKey(org).pk, `${latestScanSortKeyPrefix}${app}#`),
    readAppEnvironmentFindings(org, app, environment),
  ]);
  if (!appEnvironment) throw notFound(app, environment);
  const reports = await batchGet<ScanItem>(
    tableName,
    latestScans.map((scan) => scanKey(org, app, scan.commit_sha, scan.tool)),
  );
  return {
    appEnvironment,
    instances,
    dependencies,
    latestScans,
    scanReports: [...reports.values()],
    findings,
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

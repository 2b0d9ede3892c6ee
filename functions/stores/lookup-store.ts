import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  appEnvironmentSortKeyPrefix,
} from '../../shared/entities/app-environment.ts';
import { type DependencyItem, packagePartition } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey, instanceSortKeyPrefix } from '../../shared/entities/instance.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import {
  groupLookupMatches,
  type LookupQuery,
  type LookupResult,
  selectDependencies,
} from '../../shared/lookup.ts';
import type { VersionSelector } from '../../shared/version-selector.ts';
import { config, lifecycle } from '../lib/config.ts';
import { batchGet } from './batch-get.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** The key condition on the package's partition of gsi1 that covers the selected versions. */
function keyCondition(org: string, name: string, { keys }: VersionSelector) {
  const values: Record<string, string> = { ':pk': packagePartition(org, name) };
  let expression = 'gsi1pk = :pk';
  if (keys.prefix !== undefined) {
    expression += ' AND begins_with(gsi1sk, :prefix)';
    values[':prefix'] = keys.prefix;
  } else if (keys.low !== undefined && keys.high !== undefined) {
    expression += ' AND gsi1sk BETWEEN :low AND :high';
    Object.assign(values, { ':low': keys.low, ':high': keys.high });
  } else if (keys.low !== undefined) {
    expression += ' AND gsi1sk >= :low';
    values[':low'] = keys.low;
  } else if (keys.high !== undefined) {
    expression += ' AND gsi1sk <= :high';
    values[':high'] = keys.high;
  }
  return { KeyConditionExpression: expression, ExpressionAttributeValues: values };
}

/**
 * Beyond this many matching instances, reading all of the organization's heads and app-environments
 * with one Query costs fewer read units than fetching each by key: BatchGetItem charges half a unit per
 * item, a Query half a unit per 4 KB, and a head is about 520 bytes.
 */
const joinByQueryAbove = 200;

async function readJoin(org: string, dependencies: DependencyItem[]) {
  if (dependencies.length > joinByQueryAbove) {
    const bySortKey = <T extends { sk: string }>(items: T[]) => new Map(items.map((item) => [item.sk, item]));
    const prefixed = <T>(prefix: string) =>
      queryAll<T>({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': organizationKey(org).pk, ':prefix': prefix },
      });
    const [instances, appEnvironments] = await Promise.all([
      prefixed<InstanceItem>(instanceSortKeyPrefix),
      prefixed<AppEnvironmentItem>(appEnvironmentSortKeyPrefix),
    ]);
    return { instances: bySortKey(instances), appEnvironments: bySortKey(appEnvironments) };
  }
  const [instances, appEnvironments] = await Promise.all([
    batchGet<InstanceItem>(
      tableName,
      dependencies.map((d) => instanceKey(org, d.app, d.environment, d.instance)),
    ),
    batchGet<AppEnvironmentItem>(
      tableName,
      dependencies.map((d) => appEnvironmentKey(org, d.app, d.environment)),
    ),
  ]);
  return { instances, appEnvironments };
}

/**
 * Every instance of the organization running the package at the selected versions: one Query on the
 * package's partition of gsi1, limited to the versions' key range, then the matches' heads and
 * app-environments.
 */
export async function lookup(org: string, query: LookupQuery): Promise<LookupResult> {
  const read = await queryAll<DependencyItem>({
    TableName: tableName,
    IndexName: 'gsi1',
    ...keyCondition(org, query.package, query.selector),
  });
  const dependencies = selectDependencies(read, query);
  const instanceSortKey = (d: DependencyItem) => instanceKey(org, d.app, d.environment, d.instance).sk;
  const appEnvironmentSortKey = (d: DependencyItem) => appEnvironmentKey(org, d.app, d.environment).sk;
  const { instances, appEnvironments } = await readJoin(org, dependencies);
  return groupLookupMatches({
    query,
    dependencies,
    instances,
    appEnvironments,
    instanceSortKey,
    appEnvironmentSortKey,
    now: new Date(),
    lifecycle,
  });
}

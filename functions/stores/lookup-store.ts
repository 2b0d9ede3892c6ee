import { type AppEnvironmentItem, appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { type DependencyItem, packagePartition } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
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
 * Every instance of the organization running the package at the selected versions: one Query on the
 * package's partition of gsi1, limited to the versions' key range, then the matches' heads and
 * app-environments by key.
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

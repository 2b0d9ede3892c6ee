import { type AppEnvironmentItem, appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { type DependencyItem, packagePartition } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { groupLookupMatches, type LookupMatch, type LookupQuery } from '../../shared/lookup.ts';
import { versionSortKey } from '../../shared/version-key.ts';
import { config, lifecycle } from '../lib/config.ts';
import { batchGet } from './batch-get.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** Every instance of the organization running the package at a version: one Query on the package. */
function readPackageVersion(org: string, name: string, version: string): Promise<DependencyItem[]> {
  return queryAll<DependencyItem>({
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :version)',
    ExpressionAttributeValues: {
      ':pk': packagePartition(org, name),
      ':version': `${versionSortKey(version)}#`,
    },
  });
}

export async function lookup(org: string, query: LookupQuery): Promise<LookupMatch[]> {
  const dependencies = await readPackageVersion(org, query.package, query.version);
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

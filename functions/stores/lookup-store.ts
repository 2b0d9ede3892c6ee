import { candidateRanges } from '../../shared/advisories/affected.ts';
import type { AffectedPackage, Vulnerability } from '../../shared/advisories/vulnerability.ts';
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
  type LookupResult,
  type LookupRow,
  type PackageLookup,
  selectDependencies,
} from '../../shared/lookup.ts';
import { schemeOf, type VersionSelector } from '../../shared/version-selector.ts';
import { parseRange } from '../../shared/versions/requirement.ts';
import { VersionMatcher, versionKeyBounds } from '../../shared/versions/version-matcher.ts';
import { config, lifecycle } from '../lib/config.ts';
import { batchGet } from './batch-get.ts';
import { readVulnerabilityFindings } from './finding-store.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** Every dependency item of the package in the organization whose version key lies in `keys`. */
export function readPackageIndex(
  org: string,
  name: string,
  keys: VersionSelector['keys'],
): Promise<DependencyItem[]> {
  return queryAll<DependencyItem>({
    TableName: tableName,
    IndexName: 'gsi1',
    ...keyCondition(org, name, keys),
  });
}

/** The part of a package's index where the versions an advisory affects can be; all of it when open-ended. */
export function affectedKeys(affected: AffectedPackage): VersionSelector['keys'] {
  const ranges = candidateRanges(affected);
  const clauses = ranges ? parseRange(ranges.join(' || ')) : undefined;
  return clauses
    ? versionKeyBounds(new VersionMatcher(clauses, schemeOf(affected.package)).numberRange())
    : {};
}

/** The key condition on the package's partition of gsi1 that covers the selected versions. */
function keyCondition(org: string, name: string, keys: VersionSelector['keys']) {
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

async function readJoin(org: string, dependencies: LookupRow[]) {
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

async function groupWithJoin(
  org: string,
  dependencies: LookupRow[],
  instanceCounts?: Map<string, number>,
): Promise<LookupResult> {
  const instanceSortKey = (d: LookupRow) => instanceKey(org, d.app, d.environment, d.instance).sk;
  const appEnvironmentSortKey = (d: LookupRow) => appEnvironmentKey(org, d.app, d.environment).sk;
  const { instances, appEnvironments } = await readJoin(org, dependencies);
  return groupLookupMatches({
    dependencies,
    instances,
    appEnvironments,
    instanceSortKey,
    appEnvironmentSortKey,
    instanceCounts,
    now: new Date(),
    lifecycle,
  });
}

/**
 * Every instance of the organization running the package at the selected versions: one Query on the
 * package's partition of gsi1, limited to the versions' key range, then the matches' heads and
 * app-environments.
 */
export async function lookup(org: string, query: PackageLookup): Promise<LookupResult> {
  const read = await readPackageIndex(org, query.package, query.selector.keys);
  return groupWithJoin(org, selectDependencies(read, query));
}

/**
 * The blast radius of a vulnerability: its findings in the organization that live instances are exposed
 * to (one Query per id of it on its partition of gsi1), so that the answer counts exactly what the
 * findings say, then the listed instances' heads and app-environments.
 */
export async function lookupVulnerability(org: string, vulnerability: Vulnerability): Promise<LookupResult> {
  const findings = (
    await readVulnerabilityFindings([vulnerability.id, ...vulnerability.aliases], org)
  ).filter((finding) => finding.status === 'open');
  const instanceCounts = new Map(
    findings.map((finding) => [
      appEnvironmentKey(org, finding.app, finding.environment).sk,
      finding.instance_count,
    ]),
  );
  const rows = findings.flatMap((finding) =>
    finding.instances.map((instance) => ({
      app: finding.app,
      environment: finding.environment,
      instance: instance.instance,
      name: instance.package,
      version: instance.version,
    })),
  );
  return groupWithJoin(org, rows, instanceCounts);
}

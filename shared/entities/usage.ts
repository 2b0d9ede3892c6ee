import type { Ecosystem } from '../ecosystem.ts';
import { versionSortKey } from '../version-key.ts';
import { appEnvironmentPartition } from './dependency.ts';
import { encodeKeyPart, type TableKey } from './key-parts.ts';

/**
 * One version of one package that an app-environment's live instances run: the row a lookup answers
 * with. Stored in the app-environment's partition (so an evaluation reads all of them in one Query)
 * and projected into gsi1 under the package, sorted by exposure rank first and version second, so that
 * one Query per rank returns the rows of a version range most exposed first, and nothing else.
 *
 * The row holds nothing that changes while the app-environment runs unchanged (no last_seen), so that
 * it is written only when its versions, instances or classification change.
 */
export interface UsageRow {
  app: string;
  environment: string;
  package: string;
  version: string;
  ecosystem: Ecosystem;
  internet_facing: boolean;
  handles_pii: boolean;
  urls: string[];
  /** 0 (production, internet-facing, personal data) to 7 (none of these): see exposureRank. */
  rank: number;
  /** How many live instances run this version. */
  instance_count: number;
  /** The first few of them by name, so that an answer can name a host to look at. */
  instances: string[];
  /** Whether the app-environment runs more than one version of the package (see UsageDriftItem). */
  drift: boolean;
  /**
   * For the OTP release (package `otp`): whether an instance on it reports nothing but its release, so
   * that an advisory's release entry decides its exposure (see advisories/exposure.ts).
   */
  release_only: boolean;
  /**
   * TTL: the latest of its instances' dependency items' (about monthly, see instance-status.ts), so that
   * an app-environment the retirement never reached leaves no row behind.
   */
  expires_at: number;
}

export interface UsageItem extends TableKey, UsageRow {
  gsi1pk: string;
  gsi1sk: string;
}

export const usageSortKeyPrefix = 'USES#';

export const usageKey = (
  org: string,
  app: string,
  environment: string,
  packageName: string,
  version: string,
): TableKey => ({
  pk: appEnvironmentPartition(org, app, environment),
  sk: `${usageSortKeyPrefix}${packageName}#${encodeKeyPart(version)}`,
});

export const usagePartition = (org: string, packageName: string): string => `ORG#${org}#USES#${packageName}`;

/** A version's place in a package's usage index: its sort key, escaped like any other key part. */
export const usageVersionKey = (version: string): string => encodeKeyPart(versionSortKey(version));

export function usageItem(org: string, row: UsageRow): UsageItem {
  return {
    ...usageKey(org, row.app, row.environment, row.package, row.version),
    gsi1pk: usagePartition(org, row.package),
    gsi1sk: `${row.rank}#${usageVersionKey(row.version)}#${row.app}#${row.environment}#${encodeKeyPart(row.version)}`,
    ...row,
  };
}

/**
 * How many app-environments (a0…a7) and instances (i0…i7) of each exposure rank run one version of a
 * package, counting only rows without drift: each app-environment has exactly one such row per package,
 * so these add up to distinct app-environments across any version range. Kept by the evaluations that
 * change rows, each delta applied once (see stores/usage-store.ts).
 */
export interface UsageCountItem extends TableKey {
  package: string;
  version: string;
  [field: `a${number}` | `i${number}`]: number;
}

export const usageCountPartition = (org: string, packageName: string): string =>
  `ORG#${org}#COUNTS#${packageName}`;

export const usageCountKey = (org: string, packageName: string, version: string): TableKey => ({
  pk: usageCountPartition(org, packageName),
  sk: `${usageVersionKey(version)}#${encodeKeyPart(version)}`,
});

/**
 * A row of an app-environment that runs several versions of the package (a deploy under way, or
 * drift between instances), copied to the package's drift partition: a lookup reads all of them to
 * count such app-environments once, however many of their versions it matches. Small: drift is rare.
 */
export interface UsageDriftItem extends TableKey {
  expires_at: number;
  app: string;
  environment: string;
  version: string;
  rank: number;
  instance_count: number;
}

export const usageDriftPartition = (org: string, packageName: string): string =>
  `ORG#${org}#DRIFT#${packageName}`;

export const usageDriftKey = (
  org: string,
  packageName: string,
  app: string,
  environment: string,
  version: string,
): TableKey => ({
  pk: usageDriftPartition(org, packageName),
  sk: `${app}#${environment}#${encodeKeyPart(version)}`,
});

export function usageDriftItem(org: string, row: UsageRow): UsageDriftItem {
  return {
    ...usageDriftKey(org, row.package, row.app, row.environment, row.version),
    app: row.app,
    environment: row.environment,
    version: row.version,
    rank: row.rank,
    instance_count: row.instance_count,
    expires_at: row.expires_at,
  };
}

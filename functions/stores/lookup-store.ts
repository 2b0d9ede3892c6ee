import { candidateRanges } from '../../shared/advisories/affected.ts';
import type { AffectedPackage, Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { ecosystemOf } from '../../shared/ecosystem.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  effectiveClassification,
} from '../../shared/entities/app-environment.ts';
import type { UsageItem, UsageRow } from '../../shared/entities/usage.ts';
import { usageVersionKey } from '../../shared/entities/usage.ts';
import { ValidationError } from '../../shared/errors.ts';
import {
  type AdvisoryLookup,
  encodeCursor,
  type LookupResult,
  matchOf,
  occupiedRanks,
  type PackageLookup,
  type PackageLookupResult,
  type PackageRecognition,
  type RowSelection,
  rowSelection,
  selects,
  totalsFromCounts,
  totalsFromRows,
} from '../../shared/lookup.ts';
import { closestNames } from '../../shared/package-suggestions.ts';
import { exposureRanks, usageRows } from '../../shared/usage.ts';
import { schemeOf, type VersionSelector } from '../../shared/version-selector.ts';
import { parseRange } from '../../shared/versions/requirement.ts';
import { VersionMatcher, versionKeyBounds } from '../../shared/versions/version-matcher.ts';
import { config } from '../lib/config.ts';
import { batchGet } from './batch-get.ts';
import { readVulnerabilityFindings } from './finding-store.ts';
import { queryAll } from './query-all.ts';
import { readRankedPage } from './ranked-page.ts';
import {
  hasUsageCounts,
  readPackageCatalog,
  readUsageCounts,
  readUsageDrift,
  readUsagePage,
  usageRankQuery,
} from './usage-store.ts';

const tableName = config.TABLE_NAME;

/** The part of a package's index where the versions an advisory affects can be; all of it when open-ended. */
export function affectedKeys(affected: AffectedPackage): VersionSelector['keys'] {
  const ranges = candidateRanges(affected);
  const clauses = ranges ? parseRange(ranges.join(' || ')) : undefined;
  return clauses
    ? versionKeyBounds(new VersionMatcher(clauses, schemeOf(affected.package)).numberRange())
    : {};
}

/** Bounds that no version lies between, as a requirement that nothing satisfies gives (`~> 0.3 and ~> 2.2`). */
const emptyRange = (keys: VersionSelector['keys']): boolean =>
  keys.low !== undefined && keys.high !== undefined && keys.low > keys.high;

/**
 * Every usage row of a package in the organization in a version key range: the counts and drift
 * copies of the range say which exposure ranks hold rows, and only those are read.
 */
export async function readPackageUsage(
  org: string,
  packageName: string,
  keys: VersionSelector['keys'],
): Promise<UsageItem[]> {
  if (emptyRange(keys)) return [];
  const [counts, drift] = await Promise.all([
    readUsageCounts(org, packageName, keys),
    readUsageDrift(org, packageName),
  ]);
  const ranks = occupiedRanks(counts, drift, { ranks: [...exposureRanks], versions: () => true });
  const rows = await Promise.all(
    ranks.map((rank) => queryAll<UsageItem>(usageRankQuery(org, packageName, rank, keys))),
  );
  return rows.flat();
}

/**
 * One page of the rows of the selected versions, most exposed first: one Query per exposure rank on
 * the package's partition of gsi1, each in the versions' key range, from the cursor's position on, so
 * that the read units follow the rows returned.
 */
async function readRows(org: string, query: PackageLookup, selection: RowSelection) {
  // One rank a Query: within a rank, the versions selected are one key range.
  const { items, next } = await readRankedPage<UsageRow>(
    selection.ranks.map((rank) => ({ first: rank, last: rank })),
    query.cursor,
    query.limit,
    (run, limit, startKey) =>
      readUsagePage(usageRankQuery(org, query.package, run.first, query.selector.keys), limit, startKey),
    (row) => selects(selection, row),
  );
  return { rows: items, next };
}

/**
 * The app-environments running the package at the selected versions, most exposed first, a page at a
 * time. The counts and drift copies of the versions in range give the totals and which exposure ranks
 * hold rows, so only those are read; an environment or ecosystem filter, which counts do not record,
 * takes its totals from the rows.
 */
export async function lookup(org: string, query: PackageLookup): Promise<LookupResult> {
  const selection = rowSelection(query.filters, query.selector.matches, query.ecosystem);
  if (query.cursor !== undefined && !selection.ranks.includes(query.cursor.rank)) {
    throw new ValidationError('cursor', 'belongs to a lookup with other filters');
  }
  if (emptyRange(query.selector.keys) || selection.ranks.length === 0) {
    return { matches: [], totals: totalsFromRows([], selection), next_cursor: null };
  }
  if (selection.environment !== undefined || selection.ecosystem !== undefined) {
    // Counts do not record environments or ecosystems: the rows give the totals, and the page too.
    const selected = (await readPackageUsage(org, query.package, query.selector.keys))
      .filter((row) => selection.ranks.includes(row.rank) && selects(selection, row))
      .sort((a, b) => (a.gsi1sk < b.gsi1sk ? -1 : a.gsi1sk > b.gsi1sk ? 1 : 0));
    const { cursor } = query;
    const after = selected.filter((row) =>
      cursor === undefined ? true : cursor.key ? row.gsi1sk > cursor.key.gsi1sk! : row.rank >= cursor.rank,
    );
    const page = after.slice(0, query.limit);
    const last = page.at(-1);
    const next =
      last && after.length > query.limit
        ? { rank: last.rank, key: { pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk } }
        : undefined;
    return {
      matches: page.map(matchOf),
      totals: totalsFromRows(selected, selection),
      next_cursor: next ? encodeCursor(next) : null,
    };
  }
  const [counts, drift] = await Promise.all([
    readUsageCounts(org, query.package, query.selector.keys),
    readUsageDrift(org, query.package),
  ]);
  const { rows, next } = await readRows(org, query, {
    ...selection,
    ranks: occupiedRanks(counts, drift, selection),
  });
  return {
    matches: rows.map(matchOf),
    totals: totalsFromCounts(counts, drift, selection),
    next_cursor: next ? encodeCursor(next) : null,
  };
}

/**
 * A package lookup's answer, with whether the organization has ever reported the package. Only an
 * empty answer reads the organization's package catalog, for the names close to one never reported.
 */
export async function lookupPackage(org: string, query: PackageLookup): Promise<PackageLookupResult> {
  const result = await lookup(org, query);
  return {
    ...result,
    ...(result.matches.length > 0 ? { package_seen: true } : await recognize(org, query.package)),
  };
}

async function recognize(org: string, packageName: string): Promise<PackageRecognition> {
  const catalog = await readPackageCatalog(org);
  // An organization that reported before the catalog was kept has packages only its counts know.
  if (catalog.includes(packageName) || (await hasUsageCounts(org, packageName))) {
    return { package_seen: true };
  }
  return { package_seen: false, did_you_mean: closestNames(packageName, catalog) };
}

/** A row's place in the answer, as its sort key in gsi1 gives it: rank, version, app, environment. */
const orderKey = (row: UsageRow): string =>
  `${row.rank}#${usageVersionKey(row.version)}#${row.app}#${row.environment}#${row.version}`;

/**
 * The blast radius of a vulnerability: its open findings in the organization (one Query per id of it
 * on its partition of gsi1) and their app-environments, so that the answer counts exactly what the
 * findings say; each finding's listed instances become rows by package and version.
 */
export async function lookupVulnerability(
  org: string,
  vulnerability: Vulnerability,
  query: AdvisoryLookup,
): Promise<LookupResult> {
  const findings = (
    await readVulnerabilityFindings([vulnerability.id, ...vulnerability.aliases], org)
  ).filter((finding) => finding.status === 'open');
  const appEnvironments = await batchGet<AppEnvironmentItem>(
    tableName,
    findings.map((finding) => appEnvironmentKey(org, finding.app, finding.environment)),
  );
  const selection = rowSelection(query.filters);
  const rankOf = new Map<string, number>();
  const rows = findings.flatMap((finding) => {
    const item = appEnvironments.get(appEnvironmentKey(org, finding.app, finding.environment).sk);
    const classification = item
      ? effectiveClassification(item)
      : { internet_facing: false, handles_pii: false, urls: [] };
    const found = usageRows(
      finding.app,
      finding.environment,
      classification,
      finding.instances.map((instance) => ({
        instance: instance.instance,
        name: instance.package,
        version: instance.version,
        ecosystem: ecosystemOf(instance.package),
        expires_at: 0,
      })),
    );
    rankOf.set(finding.sk, found[0]?.rank ?? 7);
    // A finding lists at most 100 instances; when they all run one version, it counts the rest too.
    if (found.length === 1) found[0]!.instance_count = finding.instance_count;
    return found;
  });
  const selected = rows
    .filter((row) => selection.ranks.includes(row.rank) && selects(selection, row))
    .sort((a, b) => (orderKey(a) < orderKey(b) ? -1 : orderKey(a) > orderKey(b) ? 1 : 0));
  const after = query.cursor?.key?.after;
  const from = after === undefined ? 0 : selected.findIndex((row) => orderKey(row) > after);
  const page = from < 0 ? [] : selected.slice(from, from + query.limit);
  const more = from >= 0 && from + query.limit < selected.length;
  // Totals count each finding's instances, listed or not, once (an instance may run two of its packages).
  const exposed = findings.map((finding) => ({
    app: finding.app,
    environment: finding.environment,
    version: '',
    rank: rankOf.get(finding.sk)!,
    instance_count: finding.instance_count,
  }));
  return {
    matches: page.map(matchOf),
    totals: totalsFromRows(exposed, selection),
    next_cursor: more
      ? encodeCursor({ rank: page.at(-1)!.rank, key: { after: orderKey(page.at(-1)!) } })
      : null,
  };
}

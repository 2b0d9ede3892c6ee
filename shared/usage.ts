import { otpRelease, reportsApplications } from './advisories/exposure.ts';
import type { Classification } from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import type { UsageRow } from './entities/usage.ts';
import { isProduction } from './environments.ts';

/** Exposure ranks run from 0 to 7. */
export const exposureRanks = [0, 1, 2, 3, 4, 5, 6, 7] as const;

/** Most exposed first: production, then internet-facing, then holding personal data. */
export function exposureRank(
  environment: string,
  classification: Pick<Classification, 'internet_facing' | 'handles_pii'>,
): number {
  return (
    (isProduction(environment) ? 0 : 4) +
    (classification.internet_facing ? 0 : 2) +
    (classification.handles_pii ? 0 : 1)
  );
}

/** The three exposure classes that lookups total by. */
export type ExposureClass = 'production_internet_facing' | 'production' | 'other';

export const exposureClassOf = (rank: number): ExposureClass =>
  rank < 2 ? 'production_internet_facing' : rank < 4 ? 'production' : 'other';

/** Whether a loaded application tells which OTP applications its instance loads (see exposure.ts). */
const describesApplications = (dependency: Pick<DependencyItem, 'name' | 'ecosystem'>): boolean =>
  reportsApplications(new Map([[dependency.name, { ...dependency, version: '', started: true }]]));

/** A row names at most this many of its instances; instance_count counts them all. */
export const sampleInstances = 3;

/**
 * The usage rows of an app-environment: one per package and version that its live instances run,
 * from their dependency items. Pure: the same inputs give the same rows, in key order.
 */
export function usageRows(
  app: string,
  environment: string,
  classification: Classification,
  live: Pick<DependencyItem, 'instance' | 'name' | 'version' | 'ecosystem' | 'expires_at'>[],
): UsageRow[] {
  const rank = exposureRank(environment, classification);
  const describing = new Set(
    live.filter((dependency) => describesApplications(dependency)).map((dependency) => dependency.instance),
  );
  const byVersion = new Map<
    string,
    { dependency: (typeof live)[number]; instances: Set<string>; expiresAt: number }
  >();
  const versionsOf = new Map<string, Set<string>>();
  for (const dependency of live) {
    const key = `${dependency.name}\u0000${dependency.version}`;
    const entry = byVersion.get(key) ?? { dependency, instances: new Set<string>(), expiresAt: 0 };
    entry.instances.add(dependency.instance);
    entry.expiresAt = Math.max(entry.expiresAt, dependency.expires_at);
    byVersion.set(key, entry);
    versionsOf.set(dependency.name, (versionsOf.get(dependency.name) ?? new Set()).add(dependency.version));
  }
  return [...byVersion.values()]
    .map(({ dependency, instances, expiresAt }) => ({
      app,
      environment,
      package: dependency.name,
      version: dependency.version,
      ecosystem: dependency.ecosystem,
      internet_facing: classification.internet_facing,
      handles_pii: classification.handles_pii,
      urls: classification.urls,
      rank,
      instance_count: instances.size,
      instances: [...instances].sort().slice(0, sampleInstances),
      drift: versionsOf.get(dependency.name)!.size > 1,
      release_only: dependency.name === otpRelease && [...instances].some((name) => !describing.has(name)),
      expires_at: expiresAt,
    }))
    .sort((a, b) => a.package.localeCompare(b.package) || a.version.localeCompare(b.version));
}

/** What a row adds to its version's counts: nothing for a drift row, which is counted from its copy. */
export interface Contribution {
  rank: number;
  instances: number;
}

export const contributionOf = (row: UsageRow): Contribution | null =>
  row.drift ? null : { rank: row.rank, instances: row.instance_count };

/** A change to the counts of one version of a package: fields a<rank> and i<rank>, by how much. */
export interface CountDelta {
  package: string;
  version: string;
  add: Record<string, number>;
}

/** Identifies a row within its app-environment. */
export const rowId = (row: Pick<UsageRow, 'package' | 'version'>): string => `${row.package}#${row.version}`;

/**
 * The rows an interrupted evaluation meant to leave, by rowId (null: none), and whose count deltas it
 * may or may not have applied: the next evaluation finishes them with the same token, so each is
 * applied once.
 */
export interface PendingUsage {
  token: string;
  deltas: CountDelta[];
  intended: Record<string, Contribution | null>;
}

/** What an app-environment's record says of an unfinished outbox: its token, which names its items. */
export interface UsageOutboxRecord {
  token: string;
}

export interface UsageChanges {
  puts: UsageRow[];
  /** Rows to delete, by package and version. */
  deletes: Pick<UsageRow, 'package' | 'version'>[];
  /** Drift copies to write, and those to delete (of rows without drift now, or gone). */
  driftPuts: UsageRow[];
  driftDeletes: Pick<UsageRow, 'package' | 'version'>[];
  deltas: CountDelta[];
  /** The contributions after these changes, of every row whose contribution changes. */
  intended: Record<string, Contribution | null>;
}

/** A row's content in a fixed order: a stored item has its keys besides, and DynamoDB keeps no order. */
const contentOf = (row: UsageRow) =>
  JSON.stringify([
    row.app,
    row.environment,
    row.package,
    row.version,
    row.ecosystem,
    row.internet_facing,
    row.handles_pii,
    row.urls,
    row.rank,
    row.instance_count,
    row.instances,
    row.drift,
    row.release_only,
    row.expires_at,
  ]);

const sameRow = (a: UsageRow, b: UsageRow): boolean => contentOf(a) === contentOf(b);

function addContribution(
  deltas: Map<string, CountDelta>,
  row: Pick<UsageRow, 'package' | 'version'>,
  contribution: Contribution | null,
  sign: 1 | -1,
): void {
  if (!contribution) return;
  const id = rowId(row);
  const delta = deltas.get(id) ?? { package: row.package, version: row.version, add: {} };
  const a = `a${contribution.rank}`;
  const i = `i${contribution.rank}`;
  delta.add[a] = (delta.add[a] ?? 0) + sign;
  delta.add[i] = (delta.add[i] ?? 0) + sign * contribution.instances;
  deltas.set(id, delta);
}

/**
 * The writes that turn an app-environment's stored rows into the next ones, and the count deltas they
 * make. After an interrupted evaluation (`pending`), the counts stand as it intended once its deltas
 * are finished, so the deltas are taken from its intended contributions, and every row it touched is
 * written again whatever the stored copy says.
 */
export function diffUsage(stored: UsageRow[], next: UsageRow[], pending?: PendingUsage): UsageChanges {
  const storedById = new Map(stored.map((row) => [rowId(row), row]));
  const nextById = new Map(next.map((row) => [rowId(row), row]));
  const counted = (id: string): Contribution | null => {
    if (pending && id in pending.intended) return pending.intended[id]!;
    const row = storedById.get(id);
    return row ? contributionOf(row) : null;
  };
  const deltas = new Map<string, CountDelta>();
  const intended: Record<string, Contribution | null> = {};
  const rewrite = (id: string) => pending !== undefined && id in pending.intended;
  const puts: UsageRow[] = [];
  const deletes: Pick<UsageRow, 'package' | 'version'>[] = [];
  const driftDeletes: Pick<UsageRow, 'package' | 'version'>[] = [];
  for (const [id, row] of nextById) {
    const before = storedById.get(id);
    if (before && sameRow(before, row) && !rewrite(id)) continue;
    puts.push(row);
    if (!row.drift && (before?.drift || rewrite(id))) driftDeletes.push(row);
  }
  const gone = new Set([...storedById.keys(), ...Object.keys(pending?.intended ?? {})]);
  for (const id of gone) {
    if (nextById.has(id)) continue;
    const row = storedById.get(id) ?? splitRowId(id);
    deletes.push(row);
    if (storedById.get(id)?.drift !== false) driftDeletes.push(row);
  }
  for (const id of new Set([
    ...storedById.keys(),
    ...nextById.keys(),
    ...Object.keys(pending?.intended ?? {}),
  ])) {
    const was = counted(id);
    const row = nextById.get(id);
    const will = row ? contributionOf(row) : null;
    if (JSON.stringify(was) === JSON.stringify(will)) continue;
    const names = row ?? storedById.get(id) ?? splitRowId(id);
    addContribution(deltas, names, was, -1);
    addContribution(deltas, names, will, 1);
    intended[id] = will;
  }
  return {
    puts,
    deletes,
    driftPuts: puts.filter((row) => row.drift),
    driftDeletes,
    deltas: [...deltas.values()].filter((delta) => Object.values(delta.add).some((n) => n !== 0)),
    intended,
  };
}

function splitRowId(id: string): Pick<UsageRow, 'package' | 'version'> {
  const at = id.indexOf('#');
  return { package: id.slice(0, at), version: id.slice(at + 1) };
}

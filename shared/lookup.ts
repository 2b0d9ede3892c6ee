import * as z from 'zod';
import { advisoryIdSchema } from './advisory-id.ts';
import type { Classification } from './entities/app-environment.ts';
import type { UsageCountItem, UsageDriftItem, UsageRow } from './entities/usage.ts';
import { isProduction } from './environments.ts';
import { ValidationError } from './errors.ts';
import { slug } from './heartbeat.ts';
import { acceptedText } from './text.ts';
import { type ExposureClass, exposureClassOf, exposureRanks } from './usage.ts';
import { parseOrThrow } from './validation.ts';
import { type VersionQuery, type VersionSelector, versionSelector } from './version-selector.ts';

const defaultLookupLimit = 500;
export const maxLookupLimit = 5000;

const bounded = (max: number) => z.string().min(1).max(max).check(acceptedText('line'));
const flag = z.enum(['true', 'false'], 'must be true or false').transform((text) => text === 'true');

export const lookupQuerySchema = z.object({
  package: z
    .string()
    .min(1)
    .max(100)
    .transform((name) => name.toLowerCase())
    .pipe(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a package or OTP application name'))
    .optional(),
  advisory: advisoryIdSchema.optional(),
  version: bounded(64).optional(),
  requirement: bounded(512).optional(),
  range: bounded(512).optional(),
  ecosystem: z.enum(['hex', 'otp', 'elixir']).optional(),
  format: z.enum(['json', 'csv']).default('json'),
  limit: z
    .string()
    .regex(/^\d+$/, 'must be a whole number from 1 to 5000')
    .transform(Number)
    .pipe(
      z.number().int().min(1, 'must be at least 1').max(maxLookupLimit, `must be at most ${maxLookupLimit}`),
    )
    .default(defaultLookupLimit),
  cursor: bounded(4096).optional(),
  environment: slug.optional(),
  production: flag.optional(),
  internet_facing: flag.optional(),
  handles_pii: flag.optional(),
});

export interface LookupFilters {
  environment?: string;
  production?: boolean;
  internet_facing?: boolean;
  handles_pii?: boolean;
}

interface Paging {
  format: 'json' | 'csv';
  limit: number;
  cursor?: LookupCursor;
  filters: LookupFilters;
}

export interface PackageLookup extends Paging {
  package: string;
  ecosystem?: 'hex' | 'otp' | 'elixir';
  versions: VersionQuery;
  selector: VersionSelector;
}

/** The blast radius of an advisory, by any of its ids. */
export interface AdvisoryLookup extends Paging {
  advisory: string;
}

export type LookupQuery = PackageLookup | AdvisoryLookup;

/** Refuses a parameter the route does not know, rather than answering as if it were not there. */
function rejectUnknown(parameters: Record<string, string | undefined>): void {
  const known = lookupQuerySchema.keyof().options as string[];
  const unknown = Object.keys(parameters).find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new ValidationError(unknown, `is not a parameter of this route (known: ${known.join(', ')})`);
  }
}

export function parseLookupQuery(parameters: Record<string, string | undefined>): LookupQuery {
  rejectUnknown(parameters);
  const query = parseOrThrow(lookupQuerySchema, parameters, 'query');
  const paging: Paging = {
    format: query.format,
    limit: query.limit,
    cursor: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    filters: {
      environment: query.environment,
      production: query.production,
      internet_facing: query.internet_facing,
      handles_pii: query.handles_pii,
    },
  };
  if (query.advisory !== undefined) {
    const extra = (['package', 'version', 'requirement', 'range'] as const).find(
      (field) => query[field] !== undefined,
    );
    if (extra) throw new ValidationError(extra, 'give either advisory or a package with its versions');
    return { advisory: query.advisory, ...paging };
  }
  if (query.package === undefined) throw new ValidationError('package', 'is required (or advisory)');
  const given = (['version', 'requirement', 'range'] as const).filter((field) => query[field] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError(
      given[1] ?? 'version',
      given.length === 0
        ? 'is required (or requirement, or range)'
        : 'give only one of version, requirement and range',
    );
  }
  const versions = { [given[0]!]: query[given[0]!] } as VersionQuery;
  return {
    package: query.package,
    ecosystem: query.ecosystem,
    versions,
    selector: versionSelector(query.package, versions),
    ...paging,
  };
}

/** One of the instances a row names: the first few by name (see sampleInstances). */
export interface LookupInstance {
  instance: string;
  package: string;
  version: string;
}

/** One version of the package that one app-environment runs. */
export interface LookupMatch extends Classification {
  app: string;
  environment: string;
  package: string;
  version: string;
  /** How many live instances run it, named or not. */
  instance_count: number;
  instances: LookupInstance[];
  /** The app-environment runs other versions of the package too (a deploy under way, or drift). */
  drift: boolean;
}

export interface ExposureTotals {
  app_environments: number;
  instances: number;
}

export interface LookupTotals extends ExposureTotals {
  by_exposure: Record<ExposureClass, ExposureTotals>;
}

export interface LookupResult {
  matches: LookupMatch[];
  totals: LookupTotals;
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
}

/**
 * Whether the organization has ever reported the package of a package lookup, so that an empty answer
 * for a misspelt name does not read as good news; when not, the names it has reported that are close.
 */
export type PackageRecognition = { package_seen: true } | { package_seen: false; did_you_mean: string[] };

export type PackageLookupResult = LookupResult & PackageRecognition;

export function matchOf(row: UsageRow): LookupMatch {
  return {
    app: row.app,
    environment: row.environment,
    internet_facing: row.internet_facing,
    handles_pii: row.handles_pii,
    urls: row.urls,
    package: row.package,
    version: row.version,
    instance_count: row.instance_count,
    instances: row.instances.map((instance) => ({ instance, package: row.package, version: row.version })),
    drift: row.drift,
  };
}

const emptyTotals = (): LookupTotals => ({
  app_environments: 0,
  instances: 0,
  by_exposure: {
    production_internet_facing: { app_environments: 0, instances: 0 },
    production: { app_environments: 0, instances: 0 },
    other: { app_environments: 0, instances: 0 },
  },
});

function addTo(totals: LookupTotals, rank: number, appEnvironments: number, instances: number): void {
  const exposure = totals.by_exposure[exposureClassOf(rank)];
  exposure.app_environments += appEnvironments;
  exposure.instances += instances;
  totals.app_environments += appEnvironments;
  totals.instances += instances;
}

/**
 * Totals from the counts of the selected versions (rows without drift, one per app-environment) and
 * from the drift copies, whose app-environments count once however many of their versions match.
 */
export function totalsFromCounts(
  counts: Pick<UsageCountItem, 'version' | `a${number}` | `i${number}`>[],
  drift: Pick<UsageDriftItem, 'app' | 'environment' | 'version' | 'rank' | 'instance_count'>[],
  selection: RowSelection,
): LookupTotals {
  const totals = emptyTotals();
  for (const count of counts) {
    if (!selection.versions(count.version)) continue;
    for (const rank of selection.ranks) addTo(totals, rank, count[`a${rank}`] ?? 0, count[`i${rank}`] ?? 0);
  }
  addRows(totals, drift, selection);
  return totals;
}

/** The selected ranks that hold rows of the selected versions, by the counts and drift copies. */
export function occupiedRanks(
  counts: Pick<UsageCountItem, 'version' | `a${number}`>[],
  drift: Pick<UsageDriftItem, 'version' | 'rank'>[],
  selection: RowSelection,
): number[] {
  const occupied = new Set<number>();
  for (const count of counts) {
    if (!selection.versions(count.version)) continue;
    for (const rank of selection.ranks) if ((count[`a${rank}`] ?? 0) > 0) occupied.add(rank);
  }
  for (const row of drift) if (selection.versions(row.version)) occupied.add(row.rank);
  return selection.ranks.filter((rank) => occupied.has(rank));
}

/** Totals from rows themselves: each app-environment once, its instances across the versions matched. */
export function totalsFromRows(
  rows: Pick<UsageRow, 'app' | 'environment' | 'version' | 'rank' | 'instance_count'>[],
  selection: RowSelection,
): LookupTotals {
  const totals = emptyTotals();
  addRows(totals, rows, selection);
  return totals;
}

function addRows(
  totals: LookupTotals,
  rows: Pick<UsageRow, 'app' | 'environment' | 'version' | 'rank' | 'instance_count'>[],
  selection: RowSelection,
): void {
  const seen = new Set<string>();
  for (const row of rows) {
    if (!selection.ranks.includes(row.rank) || !selection.versions(row.version)) continue;
    if (selection.environment !== undefined && row.environment !== selection.environment) continue;
    const appEnvironment = `${row.app}#${row.environment}`;
    addTo(totals, row.rank, seen.has(appEnvironment) ? 0 : 1, row.instance_count);
    seen.add(appEnvironment);
  }
}

/** Which rows a package lookup selects, besides its version key range. */
export interface RowSelection {
  /** The exposure ranks to read, in order. */
  ranks: number[];
  versions: (version: string) => boolean;
  environment?: string;
  ecosystem?: string;
}

export function rowSelection(
  filters: LookupFilters,
  versions: (version: string) => boolean = () => true,
  ecosystem?: string,
): RowSelection {
  const ranks = exposureRanks.filter(
    (rank) =>
      (filters.production === undefined || rank < 4 === filters.production) &&
      (filters.environment === undefined || rank < 4 === isProduction(filters.environment)) &&
      (filters.internet_facing === undefined || ((rank & 2) === 0) === filters.internet_facing) &&
      (filters.handles_pii === undefined || ((rank & 1) === 0) === filters.handles_pii),
  );
  return {
    ranks,
    versions,
    environment: filters.environment,
    ecosystem,
  };
}

export const selects = (selection: RowSelection, row: UsageRow): boolean =>
  selection.versions(row.version) &&
  (selection.environment === undefined || row.environment === selection.environment) &&
  (selection.ecosystem === undefined || row.ecosystem === selection.ecosystem);

/** Where the next page starts: an exposure rank, and the last key read in it (none: its beginning). */
export interface LookupCursor {
  rank: number;
  key?: Record<string, string>;
}

const cursorSchema = z.object({
  rank: z.number().int().min(0).max(7),
  key: z.record(z.string(), z.string().max(2048)).optional(),
});

export const encodeCursor = (cursor: LookupCursor): string =>
  Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** A cursor from a client: anything but one this API handed out is a 400. */
export function decodeCursor(text: string): LookupCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('cursor', 'is not a cursor this API returned');
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success) throw new ValidationError('cursor', 'is not a cursor this API returned');
  return result.data;
}

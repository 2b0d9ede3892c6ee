import * as z from 'zod';
import { advisoryIdSchema } from './advisory-id.ts';
import type { AppEnvironmentItem } from './entities/app-environment.ts';
import { type Classification, effectiveClassification } from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import type { InstanceItem } from './entities/instance.ts';
import { isProduction } from './environments.ts';
import { ValidationError } from './errors.ts';
import { instanceStatus, isLive, type Lifecycle } from './instance-status.ts';
import { parseOrThrow } from './validation.ts';
import { type VersionQuery, type VersionSelector, versionSelector } from './version-selector.ts';

const bounded = (max: number) => z.string().min(1).max(max);

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
});

export interface PackageLookup {
  package: string;
  ecosystem?: 'hex' | 'otp' | 'elixir';
  format: 'json' | 'csv';
  versions: VersionQuery;
  selector: VersionSelector;
}

/** The blast radius of an advisory, by any of its ids. */
export interface AdvisoryLookup {
  advisory: string;
  format: 'json' | 'csv';
}

export type LookupQuery = PackageLookup | AdvisoryLookup;

export function parseLookupQuery(parameters: Record<string, string | undefined>): LookupQuery {
  const query = parseOrThrow(lookupQuerySchema, parameters, 'query');
  if (query.advisory !== undefined) {
    const extra = (['package', 'version', 'requirement', 'range'] as const).find(
      (field) => query[field] !== undefined,
    );
    if (extra) throw new ValidationError(extra, 'give either advisory or a package with its versions');
    return { advisory: query.advisory, format: query.format };
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
    format: query.format,
    versions,
    selector: versionSelector(query.package, versions),
  };
}

export interface LookupInstance {
  instance: string;
  package: string;
  version: string;
  last_seen: string | null;
  stale: boolean;
}

export interface LookupMatch extends Classification {
  app: string;
  environment: string;
  last_seen: string | null;
  instances: LookupInstance[];
  /**
   * How many instances are exposed: those listed, or for an advisory more when a finding lists only
   * its first 100.
   */
  instance_count: number;
}

export interface LookupTotals {
  apps: number;
  environments: number;
  app_environments: number;
  instances: number;
}

export interface LookupResult {
  matches: LookupMatch[];
  totals: LookupTotals;
}

/** One package of one instance that a lookup selected: a dependency item, or a finding's instance. */
export type LookupRow = Pick<DependencyItem, 'app' | 'environment' | 'instance' | 'name' | 'version'>;

export interface LookupSources {
  /** What the lookup selected (see selectDependencies), before the instances are read. */
  dependencies: LookupRow[];
  /** Instance heads by sort key; a dependency whose instance has no head has left the inventory. */
  instances: Map<string, InstanceItem>;
  appEnvironments: Map<string, AppEnvironmentItem>;
  instanceSortKey: (dependency: LookupRow) => string;
  appEnvironmentSortKey: (dependency: LookupRow) => string;
  /** By app-environment sort key: how many instances its finding counts, where it lists only some. */
  instanceCounts?: Map<string, number>;
  now: Date;
  lifecycle: Lifecycle;
}

const unclassified: Classification = { internet_facing: false, handles_pii: false, urls: [] };

/** Most exposed first: production, then internet-facing, then holding personal data. */
function exposureRank(match: LookupMatch): number {
  return (
    (isProduction(match.environment) ? 0 : 4) + (match.internet_facing ? 0 : 2) + (match.handles_pii ? 0 : 1)
  );
}

const latest = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null || a > b ? a : b;

/** The dependencies a lookup may select, before their instances are read. */
export function selectDependencies(
  dependencies: DependencyItem[],
  query: Pick<PackageLookup, 'selector' | 'ecosystem'>,
): DependencyItem[] {
  return dependencies.filter(
    (dependency) =>
      (query.ecosystem === undefined || dependency.ecosystem === query.ecosystem) &&
      query.selector.matches(dependency.version),
  );
}

export function groupLookupMatches(sources: LookupSources): LookupResult {
  const matches = new Map<string, LookupMatch>();
  for (const dependency of sources.dependencies) {
    const head = sources.instances.get(sources.instanceSortKey(dependency));
    const status = head ? instanceStatus(head, sources.now, sources.lifecycle) : 'retired';
    if (!head || !isLive(status)) continue;
    const groupKey = sources.appEnvironmentSortKey(dependency);
    let match = matches.get(groupKey);
    if (!match) {
      const appEnvironment = sources.appEnvironments.get(groupKey);
      match = {
        app: dependency.app,
        environment: dependency.environment,
        ...(appEnvironment ? effectiveClassification(appEnvironment) : unclassified),
        last_seen: null,
        instances: [],
        instance_count: 0,
      };
      matches.set(groupKey, match);
    }
    const lastSeen = head.last_seen ?? null;
    match.instances.push({
      instance: dependency.instance,
      package: dependency.name,
      version: dependency.version,
      last_seen: lastSeen,
      stale: status === 'stale',
    });
    match.last_seen = latest(match.last_seen, lastSeen);
  }
  const result = [...matches.values()];
  for (const [groupKey, match] of matches) {
    match.instances.sort(
      (a, b) => a.instance.localeCompare(b.instance) || a.package.localeCompare(b.package),
    );
    // An instance exposed through two packages of one flaw (ssl and public_key) counts once.
    const listed = new Set(match.instances.map((instance) => instance.instance)).size;
    match.instance_count = Math.max(listed, sources.instanceCounts?.get(groupKey) ?? 0);
  }
  result.sort(
    (a, b) =>
      exposureRank(a) - exposureRank(b) ||
      a.app.localeCompare(b.app) ||
      a.environment.localeCompare(b.environment),
  );
  return {
    matches: result,
    totals: {
      apps: new Set(result.map((match) => match.app)).size,
      environments: new Set(result.map((match) => match.environment)).size,
      app_environments: result.length,
      instances: result.reduce((sum, match) => sum + match.instance_count, 0),
    },
  };
}

import { z } from 'zod';
import type { AppEnvironmentItem } from './entities/app-environment.ts';
import { type Classification, effectiveClassification } from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import type { InstanceItem } from './entities/instance.ts';
import { instanceStatus, type Lifecycle } from './instance-status.ts';
import { parseOrThrow } from './validation.ts';
import { sameRelease } from './version-key.ts';

export const lookupQuerySchema = z.object({
  package: z
    .string({ message: 'is required' })
    .min(1)
    .max(100)
    .transform((name) => name.toLowerCase())
    .pipe(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a package or OTP application name')),
  version: z.string({ message: 'is required' }).min(1).max(64),
});

export type LookupQuery = z.infer<typeof lookupQuerySchema>;

export function parseLookupQuery(parameters: Record<string, string | undefined>): LookupQuery {
  return parseOrThrow(lookupQuerySchema, parameters, 'query');
}

export interface LookupInstance {
  instance: string;
  version: string;
  last_seen: string | null;
  stale: boolean;
}

export interface LookupMatch extends Classification {
  app: string;
  environment: string;
  last_seen: string | null;
  instances: LookupInstance[];
}

export interface LookupSources {
  query: LookupQuery;
  /** Dependency items read from the package's index partition. */
  dependencies: DependencyItem[];
  /** Instance heads by sort key; a dependency whose instance has no head has left the inventory. */
  instances: Map<string, InstanceItem>;
  appEnvironments: Map<string, AppEnvironmentItem>;
  instanceSortKey: (dependency: DependencyItem) => string;
  appEnvironmentSortKey: (dependency: DependencyItem) => string;
  now: Date;
  lifecycle: Lifecycle;
}

const unclassified: Classification = { internet_facing: false, handles_pii: false, urls: [] };

const productionNames = new Set(['prod', 'production', 'prd', 'live']);

/** Most exposed first: production, then internet-facing, then holding personal data. */
function exposureRank(match: LookupMatch): number {
  return (
    (productionNames.has(match.environment) ? 0 : 4) +
    (match.internet_facing ? 0 : 2) +
    (match.handles_pii ? 0 : 1)
  );
}

const latest = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null || a > b ? a : b;

export function groupLookupMatches(sources: LookupSources): LookupMatch[] {
  const matches = new Map<string, LookupMatch>();
  for (const dependency of sources.dependencies) {
    if (!sameRelease(dependency.version, sources.query.version)) continue;
    const head = sources.instances.get(sources.instanceSortKey(dependency));
    const status = head ? instanceStatus(head, sources.now, sources.lifecycle) : 'retired';
    if (!head || status === 'retired') continue;
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
      };
      matches.set(groupKey, match);
    }
    const lastSeen = head.last_seen ?? null;
    match.instances.push({
      instance: dependency.instance,
      version: dependency.version,
      last_seen: lastSeen,
      stale: status === 'stale',
    });
    match.last_seen = latest(match.last_seen, lastSeen);
  }
  const result = [...matches.values()];
  for (const match of result) match.instances.sort((a, b) => a.instance.localeCompare(b.instance));
  return result.sort(
    (a, b) =>
      exposureRank(a) - exposureRank(b) ||
      a.app.localeCompare(b.app) ||
      a.environment.localeCompare(b.environment),
  );
}

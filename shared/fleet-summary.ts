import { type AppEnvironmentItem, effectiveClassification } from './entities/app-environment.ts';
import { type FindingItem, suppressionActive } from './entities/finding.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { LatestScanItem } from './entities/scan.ts';
import { instanceStatus, type Lifecycle } from './instance-status.ts';
import type { SeverityCounts } from './scan-report.ts';

/** The runtime releases seen across an app-environment's instances, each listed once. */
export interface RuntimeVersions {
  elixir: string[];
  otp: string[];
  erts: string[];
}

/** One row of GET /v1/apps and of the weekly summary. */
export interface AppEnvironmentSummary {
  app: string;
  environment: string;
  internet_facing: boolean;
  handles_pii: boolean;
  urls: string[];
  instances: { running: number; stale: number };
  last_seen: string | null;
  runtime: RuntimeVersions;
  /** Dependencies loaded by the instance that loads the most. */
  dependency_count: number;
  /** Distinct vulnerabilities by severity: open runtime findings not suppressed, and the latest scans. */
  vulnerabilities: { runtime: SeverityCounts; scan: SeverityCounts };
}

export interface OrganizationItems {
  appEnvironments: AppEnvironmentItem[];
  instances: InstanceItem[];
  latestScans: LatestScanItem[];
  findings: FindingItem[];
}

/** Open runtime findings that no active suppression hides, counted once per vulnerability. */
export function runtimeCounts(findings: FindingItem[], now: Date): SeverityCounts {
  const counts = emptySeverityCounts();
  const seen = new Set<string>();
  for (const finding of findings) {
    if (finding.status !== 'open' || suppressionActive(finding, now) || seen.has(finding.vulnerability))
      continue;
    seen.add(finding.vulnerability);
    // An advisory without any severity counts as medium, rather than vanishing from the counts.
    counts[finding.severity ?? 'medium']++;
  }
  return counts;
}

const distinct = (values: (string | undefined)[]): string[] =>
  [...new Set(values.filter((value): value is string => value !== undefined))].sort();

export const emptySeverityCounts = (): SeverityCounts => ({ critical: 0, high: 0, medium: 0, low: 0 });

/** The findings of the latest report of each scan tool, added up. */
export function scanCounts(latestScans: LatestScanItem[]): SeverityCounts {
  const counts = emptySeverityCounts();
  for (const latest of latestScans) {
    for (const severity of Object.keys(counts) as (keyof SeverityCounts)[])
      counts[severity] += latest.counts[severity];
  }
  return counts;
}

export function runtimeVersions(instances: InstanceItem[]): RuntimeVersions {
  return {
    elixir: distinct(instances.map((instance) => instance.runtime?.elixir)),
    otp: distinct(instances.map((instance) => instance.runtime?.otp)),
    erts: distinct(instances.map((instance) => instance.runtime?.erts)),
  };
}

export const latestSeen = (instances: Pick<InstanceItem, 'last_seen'>[]): string | null =>
  instances.reduce<string | null>(
    (latest, { last_seen }) => (last_seen && (latest === null || last_seen > latest) ? last_seen : latest),
    null,
  );

/** The instances of an app-environment that are still in the running inventory. */
export function liveInstances(
  instances: InstanceItem[],
  appEnvironment: Pick<AppEnvironmentItem, 'app' | 'environment'>,
  now: Date,
  lifecycle: Lifecycle,
): { running: InstanceItem[]; stale: InstanceItem[] } {
  const running: InstanceItem[] = [];
  const stale: InstanceItem[] = [];
  for (const instance of instances) {
    if (instance.app !== appEnvironment.app || instance.environment !== appEnvironment.environment) continue;
    const status = instanceStatus(instance, now, lifecycle);
    if (status === 'running') running.push(instance);
    else if (status === 'stale') stale.push(instance);
  }
  return { running, stale };
}

export function summarizeFleet(
  items: OrganizationItems,
  now: Date,
  lifecycle: Lifecycle,
): AppEnvironmentSummary[] {
  return items.appEnvironments
    .map((appEnvironment) => {
      const { running, stale } = liveInstances(items.instances, appEnvironment, now, lifecycle);
      const live = [...running, ...stale];
      const scan = scanCounts(items.latestScans.filter((latest) => latest.app === appEnvironment.app));
      return {
        app: appEnvironment.app,
        environment: appEnvironment.environment,
        ...effectiveClassification(appEnvironment),
        instances: { running: running.length, stale: stale.length },
        last_seen: latestSeen(live),
        runtime: runtimeVersions(live),
        dependency_count: Math.max(0, ...live.map((instance) => instance.dependency_count ?? 0)),
        vulnerabilities: {
          runtime: runtimeCounts(
            items.findings.filter(
              (f) => f.app === appEnvironment.app && f.environment === appEnvironment.environment,
            ),
            now,
          ),
          scan,
        },
      };
    })
    .sort((a, b) => a.app.localeCompare(b.app) || a.environment.localeCompare(b.environment));
}

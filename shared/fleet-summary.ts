import { type AppEnvironmentItem, effectiveClassification } from './entities/app-environment.ts';
import { type FindingItem, suppressionActive } from './entities/finding.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { LatestScanItem } from './entities/scan.ts';
import { findingState } from './finding-status.ts';
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
  /** Stopped instances are not live: they said goodbye, and count nowhere else. */
  instances: { running: number; stale: number; stopped: number };
  last_seen: string | null;
  runtime: RuntimeVersions;
  /** Dependencies loaded by the instance that loads the most. */
  dependency_count: number;
  /**
   * Distinct vulnerabilities by severity: open runtime findings not suppressed (stale ones, which no
   * running instance confirms, are not counted), and the latest scans.
   */
  vulnerabilities: { runtime: SeverityCounts; scan: SeverityCounts };
  /** When the newest of the app's default-branch scans arrived; null when none ever did. */
  last_scanned_at: string | null;
}

export interface OrganizationItems {
  appEnvironments: AppEnvironmentItem[];
  instances: InstanceItem[];
  latestScans: LatestScanItem[];
  findings: FindingItem[];
}

/** An app-environment's instance heads by name, for reading its findings' status. */
export type HeadLookup = (instance: string) => InstanceItem | undefined;

export const headsByName = (instances: InstanceItem[]): HeadLookup => {
  const byName = new Map(instances.map((instance) => [instance.instance, instance]));
  return (instance) => byName.get(instance);
};

/**
 * An app-environment's open runtime findings that no active suppression hides, one per vulnerability:
 * what its counts count. Stale findings are shown but not counted.
 */
export function openFindings(
  findings: FindingItem[],
  headOf: HeadLookup,
  now: Date,
  lifecycle: Lifecycle,
): FindingItem[] {
  const open = new Map<string, FindingItem>();
  for (const finding of findings) {
    if (
      !open.has(finding.vulnerability) &&
      !suppressionActive(finding, now) &&
      findingState(finding, headOf, now, lifecycle).status === 'open'
    )
      open.set(finding.vulnerability, finding);
  }
  return [...open.values()];
}

/** An app-environment's open findings by severity (see openFindings). */
export function runtimeCounts(
  findings: FindingItem[],
  headOf: HeadLookup,
  now: Date,
  lifecycle: Lifecycle,
): SeverityCounts {
  const counts = emptySeverityCounts();
  // An advisory without any severity counts as medium, rather than vanishing from the counts.
  for (const finding of openFindings(findings, headOf, now, lifecycle))
    counts[finding.severity ?? 'medium']++;
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

/** The instances of an app-environment by status; retired ones are left out. */
export function instancesByStatus(
  instances: InstanceItem[],
  appEnvironment: Pick<AppEnvironmentItem, 'app' | 'environment'>,
  now: Date,
  lifecycle: Lifecycle,
): { running: InstanceItem[]; stale: InstanceItem[]; stopped: InstanceItem[] } {
  const byStatus = {
    running: [] as InstanceItem[],
    stale: [] as InstanceItem[],
    stopped: [] as InstanceItem[],
  };
  for (const instance of instances) {
    if (instance.app !== appEnvironment.app || instance.environment !== appEnvironment.environment) continue;
    const status = instanceStatus(instance, now, lifecycle);
    if (status !== 'retired') byStatus[status].push(instance);
  }
  return byStatus;
}

/**
 * What the apps list shows of an app-environment besides its classification and scans, as of `now`:
 * kept on its record by each evaluation, so that a page of the list reads nothing else.
 */
export interface InstanceSummary {
  instances: { running: number; stale: number; stopped: number };
  last_seen: string | null;
  runtime: RuntimeVersions;
  dependency_count: number;
  runtime_findings: SeverityCounts;
  /** When it was computed: statuses move with time, and the hourly sweep evaluates what moved. */
  at: string;
}

/** An app-environment's instances and runtime findings summed up from its heads and findings. */
export function summarizeInstances(
  appEnvironment: Pick<AppEnvironmentItem, 'app' | 'environment'>,
  heads: InstanceItem[],
  findings: FindingItem[],
  now: Date,
  lifecycle: Lifecycle,
): InstanceSummary {
  const { running, stale, stopped } = instancesByStatus(heads, appEnvironment, now, lifecycle);
  const live = [...running, ...stale];
  return {
    instances: { running: running.length, stale: stale.length, stopped: stopped.length },
    last_seen: latestSeen(live),
    runtime: runtimeVersions(live),
    dependency_count: Math.max(0, ...live.map((instance) => instance.dependency_count ?? 0)),
    runtime_findings: runtimeCounts(
      findings.filter((f) => f.app === appEnvironment.app && f.environment === appEnvironment.environment),
      headsByName([...live, ...stopped]),
      now,
      lifecycle,
    ),
    at: now.toISOString(),
  };
}

/** A row of the apps list from an app-environment's record, its instance summary and its scans' counts. */
export function summaryRow(
  appEnvironment: AppEnvironmentItem,
  instances: InstanceSummary,
  scan: SeverityCounts,
): AppEnvironmentSummary {
  return {
    app: appEnvironment.app,
    environment: appEnvironment.environment,
    ...effectiveClassification(appEnvironment),
    instances: instances.instances,
    last_seen: instances.last_seen,
    runtime: instances.runtime,
    dependency_count: instances.dependency_count,
    vulnerabilities: { runtime: instances.runtime_findings, scan },
    last_scanned_at: appEnvironment.scans_received_at ?? null,
  };
}

export function summarizeFleet(
  items: OrganizationItems,
  now: Date,
  lifecycle: Lifecycle,
): AppEnvironmentSummary[] {
  // Grouped once, rather than each app-environment filtering the whole organization's items.
  const key = (item: { app: string; environment: string }) => `${item.app}#${item.environment}`;
  const headsOf = Map.groupBy(items.instances, key);
  const findingsOf = Map.groupBy(items.findings, key);
  const scansOf = Map.groupBy(items.latestScans, (latest) => latest.app);
  return items.appEnvironments
    .map((appEnvironment) =>
      summaryRow(
        appEnvironment,
        summarizeInstances(
          appEnvironment,
          headsOf.get(key(appEnvironment)) ?? [],
          findingsOf.get(key(appEnvironment)) ?? [],
          now,
          lifecycle,
        ),
        scanCounts(scansOf.get(appEnvironment.app) ?? []),
      ),
    )
    .sort((a, b) => a.app.localeCompare(b.app) || a.environment.localeCompare(b.environment));
}

import type { Basis } from './advisories/exposure.ts';
import { bySeverity, type Severity } from './advisories/vulnerability.ts';
import type { Ecosystem } from './ecosystem.ts';
import {
  type AppEnvironmentItem,
  type Classification,
  effectiveClassification,
} from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import {
  type FindingInstance,
  type FindingItem,
  type Suppression,
  suppressionActive,
  type Upgrade,
  type VulnerableCode,
} from './entities/finding.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { LatestScanItem, ScanItem } from './entities/scan.ts';
import { findingState } from './finding-status.ts';
import { adviceOf } from './findings.ts';
import {
  type HeadLookup,
  headsByName,
  instancesByStatus,
  latestSeen,
  type RuntimeVersions,
  runtimeCounts,
  runtimeVersions,
  scanCounts,
} from './fleet-summary.ts';
import type { Lifecycle } from './instance-status.ts';
import type { SeverityCounts } from './scan-report.ts';

export interface InstanceDetail {
  instance: string;
  status: 'running' | 'stale' | 'stopped';
  last_seen: string | null;
  /** When it said goodbye; such an instance is listed, but no longer counts anywhere. */
  stopped_at: string | null;
  host: string | null;
  runtime: { elixir?: string; otp?: string; erts?: string };
  release: { name: string; version: string } | null;
  git_sha: string | null;
  dependency_count: number;
}

export interface DependencyVersions {
  name: string;
  ecosystem: Ecosystem;
  versions: { version: string; instances: string[] }[];
  /** Live instances that do not load it at all. */
  missing_on: string[];
}

/** GET /v1/apps/{app}/{environment}: what each instance of one app-environment runs. */
export interface AppEnvironmentDetail extends Classification {
  app: string;
  environment: string;
  reported: Classification;
  overrides: Partial<Classification>;
  first_seen: string;
  last_seen: string | null;
  instances: InstanceDetail[];
  runtime: RuntimeVersions;
  dependencies: DependencyVersions[];
  /** Dependencies whose version differs between instances, or that some instances lack. */
  drift: DependencyVersions[];
  vulnerabilities: { runtime: SeverityCounts; scan: SeverityCounts };
  findings: FindingView[];
  /** The app's latest default-branch scan of each tool, newest first; their findings are in `findings`. */
  scans: ScanView[];
  /** When the newest of them arrived; null when the app was never scanned. */
  last_scanned_at: string | null;
}

export interface ScanView {
  tool: string;
  commit_sha: string;
  ref: string | null;
  received_at: string;
  counts: SeverityCounts;
}

/** A finding as the API shows it: from what runs (`runtime`) or from the latest code scans (`scan`). */
export interface FindingView {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity | null;
  source: 'runtime' | 'scan';
  /** The first of `packages`. */
  package: string | null;
  /** For runtime findings: every affected package the instances load (an OTP flaw in ssl and public_key). */
  packages?: string[];
  /** For runtime findings: `application` when matched on the loaded application, `release` on the OTP release alone. */
  basis?: Basis;
  vulnerable_code?: VulnerableCode;
  /** The affected version of `package`; with several, the lowest (all are under `instances`). */
  version: string | null;
  fixed_in: string | null;
  upgrades?: Upgrade[];
  /** What to do, in words: "upgrade ssh to 5.1.4.12, shipped in OTP 26.2.5.15". */
  advice?: string;
  /** For runtime findings: the exposed instances, at most 100 (running ones first); all are counted in `instance_count`. */
  instances: FindingInstance[];
  instance_count?: number;
  /**
   * open: a running instance is exposed; stale: only instances that missed their heartbeats are
   * (not counted as open); suppressed: open or stale, and accepted until the suppression expires.
   */
  status: 'open' | 'stale' | 'fixed' | 'suppressed';
  /** For runtime findings: the last heartbeat of an exposed instance; null once fixed. */
  last_confirmed_at?: string | null;
  opened_at?: string;
  fixed_at?: string;
  suppression?: Suppression & { active: boolean };
  /** For scan findings: the tool, where in the code, and the identity it keeps from scan to scan. */
  tool?: string;
  file?: string;
  line?: number;
  fingerprint?: string;
}

/** What runs in an app-environment, as stored. */
export interface RuntimeItems {
  appEnvironment: AppEnvironmentItem;
  instances: InstanceItem[];
  dependencies: DependencyItem[];
  findings: FindingItem[];
}

export interface AppEnvironmentItems extends RuntimeItems {
  latestScans: LatestScanItem[];
  /** The full reports of the latest scans, for their findings. */
  scanReports: ScanItem[];
}

const statusOrder = { open: 0, stale: 1, suppressed: 2, fixed: 3 } as const;

function runtimeFinding(
  finding: FindingItem,
  headOf: HeadLookup,
  now: Date,
  lifecycle: Lifecycle,
): FindingView {
  const active = suppressionActive(finding, now);
  const state = findingState(finding, headOf, now, lifecycle);
  const versions = [
    ...new Set(
      finding.instances
        .filter((instance) => instance.package === finding.package)
        .map((instance) => instance.version),
    ),
  ].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return {
    id: finding.vulnerability,
    aliases: finding.aliases,
    summary: finding.summary,
    severity: finding.severity,
    source: 'runtime',
    package: finding.package,
    packages: finding.packages,
    basis: finding.basis,
    vulnerable_code: finding.vulnerable_code,
    version: versions[0] ?? null,
    fixed_in: finding.fixed_in,
    upgrades: finding.upgrades,
    advice: adviceOf(finding),
    instances: finding.instances,
    instance_count: finding.instance_count,
    status: state.status !== 'fixed' && active ? 'suppressed' : state.status,
    last_confirmed_at: state.last_confirmed_at,
    opened_at: finding.opened_at,
    ...(finding.fixed_at ? { fixed_at: finding.fixed_at } : {}),
    ...(finding.suppression ? { suppression: { ...finding.suppression, active } } : {}),
  };
}

function scanFindings(report: ScanItem): FindingView[] {
  return report.findings.map((finding) => ({
    id: finding.advisory ?? finding.rule,
    aliases: [],
    summary: finding.title,
    severity: finding.severity,
    source: 'scan',
    package: finding.package ?? null,
    version: finding.version ?? null,
    fixed_in: finding.fixed_in?.[0] ?? null,
    instances: [],
    status: 'open',
    tool: report.tool,
    ...(finding.file ? { file: finding.file } : {}),
    ...(finding.line !== undefined ? { line: finding.line } : {}),
    // Reports stored before fingerprints have none.
    ...(finding.fingerprint ? { fingerprint: finding.fingerprint } : {}),
  }));
}

function instanceDetail(instance: InstanceItem, status: InstanceDetail['status']): InstanceDetail {
  return {
    instance: instance.instance,
    status,
    last_seen: instance.last_seen ?? null,
    stopped_at: instance.stopped_at ?? null,
    host: instance.host ?? null,
    runtime: instance.runtime ?? {},
    release: instance.release ?? null,
    git_sha: instance.git_sha ?? null,
    dependency_count: instance.dependency_count ?? 0,
  };
}

export function appEnvironmentDetail(
  items: AppEnvironmentItems,
  now: Date,
  lifecycle: Lifecycle,
): AppEnvironmentDetail {
  const { appEnvironment } = items;
  const { running, stale, stopped } = instancesByStatus(items.instances, appEnvironment, now, lifecycle);
  const live = [...running, ...stale];
  const headOf = headsByName([...live, ...stopped]);
  const liveNames = new Set(live.map((instance) => instance.instance));

  const byName = new Map<string, { ecosystem: Ecosystem; versions: Map<string, string[]> }>();
  for (const dependency of items.dependencies) {
    if (!liveNames.has(dependency.instance)) continue;
    const entry = byName.get(dependency.name) ?? { ecosystem: dependency.ecosystem, versions: new Map() };
    entry.versions.set(dependency.version, [
      ...(entry.versions.get(dependency.version) ?? []),
      dependency.instance,
    ]);
    byName.set(dependency.name, entry);
  }
  const dependencies: DependencyVersions[] = [...byName.entries()]
    .map(([name, { ecosystem, versions }]) => {
      const loading = new Set([...versions.values()].flat());
      return {
        name,
        ecosystem,
        versions: [...versions.entries()]
          .map(([version, instances]) => ({ version, instances: instances.sort() }))
          .sort((a, b) => a.version.localeCompare(b.version, 'en', { numeric: true })),
        missing_on: [...liveNames].filter((instance) => !loading.has(instance)).sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const scan = scanCounts(items.latestScans);
  const scans = items.latestScans
    .map(({ tool, commit_sha, ref, received_at, counts }) => ({
      tool,
      commit_sha,
      ref: ref ?? null,
      received_at,
      counts,
    }))
    .sort((a, b) => b.received_at.localeCompare(a.received_at) || a.tool.localeCompare(b.tool));

  return {
    app: appEnvironment.app,
    environment: appEnvironment.environment,
    ...effectiveClassification(appEnvironment),
    reported: appEnvironment.reported,
    overrides: appEnvironment.overrides ?? {},
    first_seen: appEnvironment.first_seen,
    last_seen: latestSeen(live),
    instances: [
      ...running.map((instance) => instanceDetail(instance, 'running')),
      ...stale.map((instance) => instanceDetail(instance, 'stale')),
      ...stopped.map((instance) => instanceDetail(instance, 'stopped')),
    ].sort((a, b) => a.instance.localeCompare(b.instance)),
    runtime: runtimeVersions(live),
    dependencies,
    drift: dependencies.filter(
      (dependency) => dependency.versions.length > 1 || dependency.missing_on.length > 0,
    ),
    vulnerabilities: { runtime: runtimeCounts(items.findings, headOf, now, lifecycle), scan },
    findings: [
      ...items.findings.map((finding) => runtimeFinding(finding, headOf, now, lifecycle)),
      ...items.scanReports.flatMap(scanFindings),
    ].sort(
      (a, b) =>
        statusOrder[a.status] - statusOrder[b.status] ||
        bySeverity(a.severity, b.severity) ||
        a.id.localeCompare(b.id),
    ),
    scans,
    last_scanned_at: scans[0]?.received_at ?? null,
  };
}

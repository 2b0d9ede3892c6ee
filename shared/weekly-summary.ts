import { bySeverity, type Severity } from './advisories/vulnerability.ts';
import { type Classification, effectiveClassification } from './entities/app-environment.ts';
import type { FindingItem, Upgrade } from './entities/finding.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { LatestScanItem } from './entities/scan.ts';
import { isProduction } from './environments.ts';
import { adviceOf } from './findings.ts';
import {
  headsByName,
  instancesByStatus,
  latestSeen,
  type OrganizationItems,
  openFindings,
  scanCounts,
} from './fleet-summary.ts';
import type { Lifecycle } from './instance-status.ts';
import type { SeverityCounts } from './scan-report.ts';

/**
 * What the weekly email says about an organization, worst first: the internet-facing apps with
 * critical or high findings, what changed this week, the advisories of the week that reach the fleet,
 * what Muster could not check, and the runtimes in use. Pure, so that the email's content is tested
 * without sending anything.
 */
export interface WeeklySummary {
  org: string;
  /** ISO week, such as 2026-W49. */
  week: string;
  generated_at: string;
  /** A latest scan older than this many days counts as not checked. */
  scan_stale_after_days: number;
  totals: WeeklyTotals;
  needs_action: NeedsAction[];
  opened: FindingChange[];
  fixed: FindingChange[];
  new_advisories: NewAdvisory[];
  not_checked: NotChecked;
  runtimes: RuntimeUsage;
}

export interface WeeklyTotals {
  app_environments: number;
  instances: { running: number; stale: number };
  /**
   * Critical and high findings on internet-facing app-environments: open runtime findings, each
   * app-environment's vulnerability once, plus the latest scans' findings of each internet-facing app
   * once per app (scans are per app, whatever its environments).
   */
  internet_facing: { critical: number; high: number };
  opened: number;
  fixed: number;
}

export interface AppEnvironmentFlags {
  internet_facing: boolean;
  handles_pii: boolean;
  production: boolean;
}

/** An internet-facing app-environment with open critical or high findings, at runtime or in its scans. */
export interface NeedsAction {
  app: string;
  environment: string;
  flags: AppEnvironmentFlags;
  /** In words: "internet-facing, 2 critical, 1 high; latest scans: 3 high". */
  reason: string;
  /** Open critical and high runtime findings, each vulnerability once. */
  runtime: { critical: number; high: number };
  /** Those findings, critical first. */
  findings: ActionFinding[];
  /** The app's latest scans, added up. */
  scan: SeverityCounts;
}

export interface ActionFinding {
  vulnerability: string;
  aliases: string[];
  severity: Severity | null;
  summary: string;
  /** Each affected package with the versions the listed instances run. */
  packages: { package: string; versions: string[] }[];
  instance_count: number;
  /** The version of the first package that fixes every instance; null when no fix is known. */
  fixed_in: string | null;
  upgrades: Upgrade[];
  /** What to do, in words (see adviceOf). */
  advice: string;
}

/** A finding opened, or fixed, this week. */
export interface FindingChange {
  app: string;
  environment: string;
  vulnerability: string;
  severity: Severity | null;
  packages: string[];
  /** When it was opened (or fixed). */
  at: string;
}

/** An advisory published this week that open findings of the organization match. */
export interface NewAdvisory {
  vulnerability: string;
  aliases: string[];
  severity: Severity | null;
  summary: string;
  published: string;
  app_environments: number;
  instances: number;
}

export interface NotChecked {
  /** App-environments whose every live instance has missed its heartbeats. */
  silent: { app: string; environment: string; last_seen: string | null }[];
  /** Internet-facing apps never scanned, or whose latest scan is older than scan_stale_after_days. */
  unscanned: { app: string; environments: string[]; last_scan_at: string | null; age_days: number | null }[];
}

export interface RuntimeCount {
  version: string;
  /** Live (running and stale) instances that run it. */
  instances: number;
}

export interface RuntimeUsage {
  elixir: RuntimeCount[];
  otp: RuntimeCount[];
}

export interface WeeklySummaryInput {
  org: string;
  week: string;
  now: Date;
  items: OrganizationItems;
  lifecycle: Lifecycle;
  /** Advisory publication times by vulnerability id, for the vulnerabilities of the org's findings. */
  published: Map<string, string | null>;
  /** A latest scan older than this many days counts as not checked; 14 by default. */
  scanStaleAfterDays?: number;
}

const dayMs = 24 * 3600 * 1000;
const weekMs = 7 * dayMs;

/** The ISO-8601 week of a date (UTC): weeks start on Monday and belong to the year of their Thursday. */
export function isoWeek(date: Date): string {
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = new Date(day).getUTCDay() || 7;
  const thursday = new Date(day + (4 - weekday) * dayMs);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / weekMs) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

const key = (item: { app: string; environment: string }) => `${item.app}#${item.environment}`;

const byName = (a: { app: string; environment: string }, b: { app: string; environment: string }): number =>
  a.app.localeCompare(b.app) || a.environment.localeCompare(b.environment);

/** What the summary reads of one app-environment as of `now`. */
interface AppEnvironmentState {
  app: string;
  environment: string;
  classification: Classification;
  running: InstanceItem[];
  stale: InstanceItem[];
  /** Open as the apps list counts them: confirmed by a running instance, not suppressed; one per vulnerability. */
  open: FindingItem[];
  scans: LatestScanItem[];
}

function appEnvironmentStates(
  items: OrganizationItems,
  now: Date,
  lifecycle: Lifecycle,
): AppEnvironmentState[] {
  // Grouped once, rather than each app-environment filtering the whole organization's items.
  const headsOf = Map.groupBy(items.instances, key);
  const findingsOf = Map.groupBy(items.findings, key);
  const scansOf = Map.groupBy(items.latestScans, (latest) => latest.app);
  return items.appEnvironments.map((appEnvironment) => {
    const { running, stale, stopped } = instancesByStatus(
      headsOf.get(key(appEnvironment)) ?? [],
      appEnvironment,
      now,
      lifecycle,
    );
    const open = openFindings(
      findingsOf.get(key(appEnvironment)) ?? [],
      headsByName([...running, ...stale, ...stopped]),
      now,
      lifecycle,
    );
    return {
      app: appEnvironment.app,
      environment: appEnvironment.environment,
      classification: effectiveClassification(appEnvironment),
      running,
      stale,
      open,
      scans: scansOf.get(appEnvironment.app) ?? [],
    };
  });
}

function packageVersions(finding: FindingItem): ActionFinding['packages'] {
  return finding.packages.map((name) => ({
    package: name,
    versions: [
      ...new Set(finding.instances.filter((row) => row.package === name).map((row) => row.version)),
    ].sort(),
  }));
}

const actionFinding = (finding: FindingItem): ActionFinding => ({
  vulnerability: finding.vulnerability,
  aliases: finding.aliases,
  severity: finding.severity,
  summary: finding.summary,
  packages: packageVersions(finding),
  instance_count: finding.instance_count,
  fixed_in: finding.fixed_in,
  upgrades: finding.upgrades,
  advice: adviceOf(finding),
});

const countsInWords = ({ critical, high }: { critical: number; high: number }): string =>
  [...(critical > 0 ? [`${critical} critical`] : []), ...(high > 0 ? [`${high} high`] : [])].join(', ');

function reasonOf(runtime: NeedsAction['runtime'], scan: SeverityCounts): string {
  const runtimeWords = countsInWords(runtime);
  const scanWords = countsInWords(scan);
  return `internet-facing${runtimeWords ? `, ${runtimeWords}` : ''}${scanWords ? `; latest scans: ${scanWords}` : ''}`;
}

function needsActionOf(state: AppEnvironmentState): NeedsAction | undefined {
  if (!state.classification.internet_facing) return undefined;
  const severe = state.open
    .filter((finding) => finding.severity === 'critical' || finding.severity === 'high')
    .sort((a, b) => bySeverity(a.severity, b.severity) || a.vulnerability.localeCompare(b.vulnerability));
  const scan = scanCounts(state.scans);
  if (severe.length === 0 && scan.critical === 0 && scan.high === 0) return undefined;
  const runtime = {
    critical: severe.filter((finding) => finding.severity === 'critical').length,
    high: severe.filter((finding) => finding.severity === 'high').length,
  };
  return {
    app: state.app,
    environment: state.environment,
    flags: {
      internet_facing: true,
      handles_pii: state.classification.handles_pii,
      production: isProduction(state.environment),
    },
    reason: reasonOf(runtime, scan),
    runtime,
    findings: severe.map(actionFinding),
    scan,
  };
}

/** Production first, then the most critical, the most high, personal data, and by name. */
function byUrgency(a: NeedsAction, b: NeedsAction): number {
  const critical = (entry: NeedsAction) => entry.runtime.critical + entry.scan.critical;
  const high = (entry: NeedsAction) => entry.runtime.high + entry.scan.high;
  return (
    Number(b.flags.production) - Number(a.flags.production) ||
    critical(b) - critical(a) ||
    high(b) - high(a) ||
    Number(b.flags.handles_pii) - Number(a.flags.handles_pii) ||
    byName(a, b)
  );
}

/** Whether `time` lies within the seven days up to `now`. */
const withinWeek = (time: string | null | undefined, now: Date): time is string => {
  if (!time) return false;
  const at = Date.parse(time);
  return at > now.getTime() - weekMs && at <= now.getTime();
};

function changesOfWeek(
  findings: FindingItem[],
  now: Date,
): { opened: FindingChange[]; fixed: FindingChange[] } {
  const change = (finding: FindingItem, at: string): FindingChange => ({
    app: finding.app,
    environment: finding.environment,
    vulnerability: finding.vulnerability,
    severity: finding.severity,
    packages: finding.packages,
    at,
  });
  const worstFirst = (a: FindingChange, b: FindingChange) =>
    bySeverity(a.severity, b.severity) ||
    Number(isProduction(b.environment)) - Number(isProduction(a.environment)) ||
    byName(a, b) ||
    a.vulnerability.localeCompare(b.vulnerability);
  const opened: FindingChange[] = [];
  const fixed: FindingChange[] = [];
  for (const finding of findings) {
    if (finding.status === 'open' && withinWeek(finding.opened_at, now))
      opened.push(change(finding, finding.opened_at));
    if (finding.status === 'fixed' && withinWeek(finding.fixed_at, now))
      fixed.push(change(finding, finding.fixed_at));
  }
  return { opened: opened.sort(worstFirst), fixed: fixed.sort(worstFirst) };
}

function newAdvisoriesOf(
  states: AppEnvironmentState[],
  published: Map<string, string | null>,
  now: Date,
): NewAdvisory[] {
  const openOf = Map.groupBy(
    states.flatMap((state) => state.open),
    (finding) => finding.vulnerability,
  );
  const advisories: NewAdvisory[] = [];
  for (const [vulnerability, findings] of openOf) {
    const publishedAt = published.get(vulnerability);
    if (!withinWeek(publishedAt, now)) continue;
    const [first] = findings as [FindingItem];
    advisories.push({
      vulnerability,
      aliases: first.aliases,
      severity: first.severity,
      summary: first.summary,
      published: publishedAt,
      app_environments: findings.length,
      instances: findings.reduce((sum, finding) => sum + finding.instance_count, 0),
    });
  }
  return advisories.sort(
    (a, b) =>
      bySeverity(a.severity, b.severity) ||
      b.app_environments - a.app_environments ||
      a.vulnerability.localeCompare(b.vulnerability),
  );
}

/** Internet-facing app-environments by app: scans are per app, whatever its environments. */
const internetFacingApps = (states: AppEnvironmentState[]): Map<string, AppEnvironmentState[]> =>
  Map.groupBy(
    states.filter((state) => state.classification.internet_facing),
    (state) => state.app,
  );

function notCheckedOf(states: AppEnvironmentState[], now: Date, scanStaleAfterDays: number): NotChecked {
  const silent = states
    .filter((state) => state.running.length === 0 && state.stale.length > 0)
    .map((state) => ({ app: state.app, environment: state.environment, last_seen: latestSeen(state.stale) }))
    .sort(byName);
  const unscanned: NotChecked['unscanned'] = [];
  for (const [app, appStates] of internetFacingApps(states)) {
    const lastScanAt = appStates[0]!.scans.reduce<string | null>(
      (latest, { received_at }) => (latest === null || received_at > latest ? received_at : latest),
      null,
    );
    const ageMs = lastScanAt === null ? null : now.getTime() - Date.parse(lastScanAt);
    if (ageMs !== null && ageMs <= scanStaleAfterDays * dayMs) continue;
    unscanned.push({
      app,
      environments: appStates.map((state) => state.environment).sort(),
      last_scan_at: lastScanAt,
      age_days: ageMs === null ? null : Math.floor(ageMs / dayMs),
    });
  }
  return { silent, unscanned: unscanned.sort((a, b) => a.app.localeCompare(b.app)) };
}

function runtimeUsage(live: InstanceItem[]): RuntimeUsage {
  const countOf = (versions: (string | undefined)[]): RuntimeCount[] => {
    const counts = new Map<string, number>();
    for (const version of versions) if (version) counts.set(version, (counts.get(version) ?? 0) + 1);
    return [...counts]
      .map(([version, instances]) => ({ version, instances }))
      .sort((a, b) => b.instances - a.instances || a.version.localeCompare(b.version));
  };
  return {
    elixir: countOf(live.map((instance) => instance.runtime?.elixir)),
    otp: countOf(live.map((instance) => instance.runtime?.otp)),
  };
}

/** See WeeklyTotals.internet_facing: runtime findings per app-environment, scan findings per app. */
function internetFacingCounts(
  states: AppEnvironmentState[],
  needsAction: NeedsAction[],
): WeeklyTotals['internet_facing'] {
  const counts = { critical: 0, high: 0 };
  for (const { runtime } of needsAction) {
    counts.critical += runtime.critical;
    counts.high += runtime.high;
  }
  for (const [, appStates] of internetFacingApps(states)) {
    const scan = scanCounts(appStates[0]!.scans);
    counts.critical += scan.critical;
    counts.high += scan.high;
  }
  return counts;
}

export function buildWeeklySummary(input: WeeklySummaryInput): WeeklySummary {
  const { items, now } = input;
  const scanStaleAfterDays = input.scanStaleAfterDays ?? 14;
  const states = appEnvironmentStates(items, now, input.lifecycle);
  const needsAction = states
    .map(needsActionOf)
    .filter((entry) => entry !== undefined)
    .sort(byUrgency);
  const { opened, fixed } = changesOfWeek(items.findings, now);
  return {
    org: input.org,
    week: input.week,
    generated_at: now.toISOString(),
    scan_stale_after_days: scanStaleAfterDays,
    totals: {
      app_environments: states.length,
      instances: {
        running: states.reduce((sum, state) => sum + state.running.length, 0),
        stale: states.reduce((sum, state) => sum + state.stale.length, 0),
      },
      internet_facing: internetFacingCounts(states, needsAction),
      opened: opened.length,
      fixed: fixed.length,
    },
    needs_action: needsAction,
    opened,
    fixed,
    new_advisories: newAdvisoriesOf(states, input.published, now),
    not_checked: notCheckedOf(states, now, scanStaleAfterDays),
    runtimes: runtimeUsage(states.flatMap((state) => [...state.running, ...state.stale])),
  };
}

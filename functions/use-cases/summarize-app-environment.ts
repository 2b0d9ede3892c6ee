import {
  type AppEnvironmentItem,
  appListSortKey,
  effectiveClassification,
} from '../../shared/entities/app-environment.ts';
import type { FindingItem } from '../../shared/entities/finding.ts';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import type { LatestScanItem } from '../../shared/entities/scan.ts';
import { type InstanceSummary, scanCounts, summarizeInstances } from '../../shared/fleet-summary.ts';
import { exposureRank } from '../../shared/usage.ts';
import { lifecycle } from '../lib/config.ts';
import {
  readAppEnvironment,
  readInstances,
  readLatestScans,
  writeInstanceSummary,
  writeScanCounts,
} from '../stores/app-environment-store.ts';
import { readAppEnvironmentFindings } from '../stores/finding-store.ts';

/** How far behind its heads a running app-environment's last_seen in the list may fall before the sweep writes it. */
const lastSeenRefreshMs = 24 * 3600_000;

const sameExceptTimes = (a: InstanceSummary, b: InstanceSummary): boolean =>
  JSON.stringify({ ...a, at: '', last_seen: '' }) === JSON.stringify({ ...b, at: '', last_seen: '' });

/**
 * Whether an app-environment's stored summary no longer says what its heads and findings say now: a
 * count, a runtime or a finding's state moved, or its last_seen fell more than a day behind.
 */
function summaryOutdated(stored: InstanceSummary | undefined, current: InstanceSummary): boolean {
  if (!stored || !sameExceptTimes(stored, current)) return true;
  if (current.last_seen === null || stored.last_seen === null) return current.last_seen !== stored.last_seen;
  return Date.parse(current.last_seen) - Date.parse(stored.last_seen) > lastSeenRefreshMs;
}

/**
 * Writes an app-environment's row of the apps list from its heads, findings and its app's latest
 * scans as read at `now`, where they changed what is stored.
 */
export async function refreshSummary(
  org: string,
  appEnvironment: AppEnvironmentItem,
  heads: InstanceItem[],
  findings: FindingItem[],
  latestScans: LatestScanItem[],
  now: Date,
): Promise<void> {
  const { app, environment } = appEnvironment;
  const summary = summarizeInstances(appEnvironment, heads, findings, now, lifecycle);
  const rank = exposureRank(environment, effectiveClassification(appEnvironment));
  const sortKey = appListSortKey(rank, summary.runtime_findings, app, environment);
  if (summaryOutdated(appEnvironment.summary, summary) || sortKey !== appEnvironment.gsi1sk) {
    await writeInstanceSummary(org, app, environment, summary, sortKey);
  }
  const newest = latestScans
    .map((scan) => scan.received_at)
    .sort()
    .at(-1);
  if (newest !== undefined && newest !== appEnvironment.scans_received_at) {
    await writeScanCounts(org, app, environment, scanCounts(latestScans), newest);
  }
}

/**
 * Brings an app-environment's row of the apps list up to date: its instances by status, runtimes,
 * dependency count and runtime findings, its place in the list, and its app's scan counts. Run after
 * every write that changes them; the hourly sweep catches what time alone moves.
 */
export async function summarizeAppEnvironment(org: string, app: string, environment: string): Promise<void> {
  const now = new Date();
  const [appEnvironment, heads, findings, latestScans] = await Promise.all([
    readAppEnvironment(org, app, environment, true),
    readInstances(org, app, environment, true),
    readAppEnvironmentFindings(org, app, environment, true),
    readLatestScans(org, app),
  ]);
  if (appEnvironment) await refreshSummary(org, appEnvironment, heads, findings, latestScans, now);
}

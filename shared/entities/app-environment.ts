import type { InstanceSummary } from '../fleet-summary.ts';
import type { SeverityCounts } from '../scan-report.ts';
import type { UsageOutboxRecord } from '../usage.ts';
import type { TableKey } from './key-parts.ts';

/**
 * An app in one environment (billing/prod): its classification as the agents last reported it and the
 * overrides an admin set, which win. Listed per organization with begins_with(sk, 'APPENV#').
 */
export interface AppEnvironmentItem extends TableKey {
  app: string;
  environment: string;
  first_seen: string;
  /** sent_at of the heartbeat whose classification is stored; an older one never replaces it. */
  reported_sent_at: string;
  reported: Classification;
  overrides?: Partial<Classification>;
  /** gsi1: the organization's app-environments, most exposed first (appListSortKey); set by evaluations. */
  gsi1pk?: string;
  gsi1sk?: string;
  /** Its instances and runtime findings as its last evaluation saw them: what the apps list shows. */
  summary?: InstanceSummary;
  /** The app's latest scans, added up (see stores/scan-store.ts), and when the newest of them came. */
  scan_counts?: SeverityCounts;
  scans_received_at?: string;
  /** Set by the first evaluation that wrote its usage rows (entities/usage.ts). */
  usage_indexed?: boolean;
  /** The outbox of an evaluation that has not finished writing its usage rows (usage-store.ts). */
  usage_outbox?: UsageOutboxRecord;
}

export interface Classification {
  internet_facing: boolean;
  handles_pii: boolean;
  urls: string[];
}

export const appEnvironmentSortKeyPrefix = 'APPENV#';

export const appEnvironmentKey = (org: string, app: string, environment: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `${appEnvironmentSortKeyPrefix}${app}#${environment}`,
});

export function effectiveClassification(
  item: Pick<AppEnvironmentItem, 'reported' | 'overrides'>,
): Classification {
  return { ...item.reported, ...item.overrides };
}

export const appListPartition = (org: string): string => `ORG#${org}#APPS`;

/** Larger counts sort first: each is stored as its distance below 9999, in four digits. */
const descending = (count: number): string => String(9999 - Math.min(count, 9999)).padStart(4, '0');

/**
 * An app-environment's place in the apps list: exposure rank first (as lookups rank), then the most
 * critical and high runtime findings, then by name; one Query per rank reads a page in this order.
 */
export const appListSortKey = (
  rank: number,
  findings: Pick<SeverityCounts, 'critical' | 'high'>,
  app: string,
  environment: string,
): string => `${rank}#${descending(findings.critical)}${descending(findings.high)}#${app}#${environment}`;

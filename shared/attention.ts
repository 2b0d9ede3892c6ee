import type { AppEnvironmentSummary } from './fleet-summary.ts';
import type { SeverityCounts } from './scan-report.ts';

/**
 * Why an app-environment needs someone's action now, in words, and how soon: what puts a row at the
 * top of the dashboard's overview. Only what calls for action counts: critical and high findings (those
 * that run first, and on the internet first), an app whose code no scan checks any more, and instances
 * that all fell silent. Medium and low findings are listed, not raised.
 */
export interface Attention {
  /** 0: nothing to do; higher needs action sooner. */
  urgency: number;
  /** Most urgent first, ready to show. */
  reasons: string[];
}

/** A scan older than this no longer checks the app's code. */
export const scanStaleAfterDays = 7;

export type AttentionRow = Pick<
  AppEnvironmentSummary,
  'internet_facing' | 'handles_pii' | 'instances' | 'last_seen' | 'vulnerabilities' | 'last_scanned_at'
>;

const hourSeconds = 3600;

/** "1 hour", "5 hours", "3 days": hours up to two days, then days. */
export function durationInWords(seconds: number): string {
  const hours = Math.max(1, Math.floor(seconds / hourSeconds));
  if (hours < 48) return `${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  const days = Math.floor(hours / 24);
  return `${days} days`;
}

/** "2 critical, 1 high", or '' when there is neither. */
function seriousCounts(counts: SeverityCounts): string {
  const parts: string[] = [];
  if (counts.critical > 0) parts.push(`${counts.critical} critical`);
  if (counts.high > 0) parts.push(`${counts.high} high`);
  return parts.join(', ');
}

interface Reason {
  urgency: number;
  text: string;
}

function runtimeReason(row: AttentionRow): Reason | undefined {
  const counts = row.vulnerabilities.runtime;
  const text = seriousCounts(counts);
  if (text === '') return undefined;
  const exposure = [row.internet_facing && 'internet-facing', row.handles_pii && 'handles PII'].filter(
    Boolean,
  );
  const critical = counts.critical > 0;
  const urgency = row.internet_facing
    ? critical
      ? 100
      : 90
    : row.handles_pii && critical
      ? 80
      : critical
        ? 70
        : 60;
  return { urgency, text: [...exposure, text].join(', ') };
}

function scanReason(row: AttentionRow): Reason | undefined {
  const text = seriousCounts(row.vulnerabilities.scan);
  if (text === '') return undefined;
  return { urgency: row.internet_facing ? 50 : 40, text: `${text} in the latest scans` };
}

function silenceReason(row: AttentionRow, now: Date, staleAfterSeconds: number): Reason | undefined {
  const live = row.instances.running + row.instances.stale;
  if (live === 0 || row.last_seen === null) return undefined;
  const silentSeconds = (now.getTime() - Date.parse(row.last_seen)) / 1000;
  if (silentSeconds < staleAfterSeconds) return undefined;
  return { urgency: 30, text: `every instance silent for ${durationInWords(silentSeconds)}` };
}

function scanAgeReason(row: AttentionRow, now: Date): Reason | undefined {
  const where = row.internet_facing ? 'internet-facing and ' : '';
  const urgency = row.internet_facing ? 20 : 10;
  if (row.last_scanned_at === null) return { urgency, text: `${where}never scanned` };
  const ageSeconds = (now.getTime() - Date.parse(row.last_scanned_at)) / 1000;
  if (ageSeconds < scanStaleAfterDays * 24 * hourSeconds) return undefined;
  return { urgency, text: `${where}not scanned for ${durationInWords(ageSeconds)}` };
}

export function attentionOf(row: AttentionRow, now: Date, staleAfterSeconds: number): Attention {
  const reasons = [
    runtimeReason(row),
    scanReason(row),
    silenceReason(row, now, staleAfterSeconds),
    scanAgeReason(row, now),
  ]
    .filter((reason): reason is Reason => reason !== undefined)
    .sort((a, b) => b.urgency - a.urgency);
  return { urgency: reasons[0]?.urgency ?? 0, reasons: reasons.map((reason) => reason.text) };
}

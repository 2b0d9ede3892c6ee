import { isProduction } from '../../../shared/environments.ts';
import type { Severity, SeverityCounts } from './api-types.ts';

/** Formatting of times, counts and severities as the pages show them, in words. */

export const severities: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

/** "1 instance", "12 instances". */
export const plural = (count: number, one: string, many = `${one}s`): string =>
  `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

/**
 * A duration in words, as the API's attention reasons say it: minutes under an hour, hours up to two
 * days, then days ("9 days").
 */
export function durationText(milliseconds: number): string {
  const ms = Math.max(0, milliseconds);
  if (ms < minute) return 'less than a minute';
  if (ms < hour) return plural(Math.floor(ms / minute), 'minute');
  if (ms < 2 * day) return plural(Math.floor(ms / hour), 'hour');
  return plural(Math.floor(ms / day), 'day');
}

/** "9 days ago", "just now", or `never` when there is no time. */
export function agoText(iso: string | null | undefined, now: Date, never = 'never'): string {
  if (!iso) return never;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return never;
  const elapsed = now.getTime() - at;
  if (elapsed < minute) return 'just now';
  return `${durationText(elapsed)} ago`;
}

/** "2026-11-29 10:00 UTC": one time zone for everyone who reads the same page. */
export function utcText(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "2026-11-29". */
export function dateText(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toISOString().slice(0, 10);
}

export function severityLabel(severity: Severity | null | undefined): string {
  if (!severity) return 'Unrated';
  return severity[0]!.toUpperCase() + severity.slice(1);
}

/** The severities with findings, most severe first: what a compact cell shows. */
export function severityParts(counts: SeverityCounts): { severity: Severity; count: number }[] {
  return severities
    .filter((severity) => counts[severity] > 0)
    .map((severity) => ({ severity, count: counts[severity] }));
}

export const yesNo = (value: boolean): string => (value ? 'Yes' : 'No');

export const numberText = (value: number): string => value.toLocaleString('en');

/** "2 running, 1 stale", "none running". */
export function instancesText(instances: { running: number; stale: number }): string {
  const parts: string[] = [];
  if (instances.running > 0) parts.push(`${numberText(instances.running)} running`);
  if (instances.stale > 0) parts.push(`${numberText(instances.stale)} stale`);
  return parts.length === 0 ? 'none running' : parts.join(', ');
}

/** A URL from data, only when it is http or https: anything else is shown as text, never linked. */
export function safeUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** A date input's value (`YYYY-MM-DD`, in UTC) some days from now. */
export function dateInputValue(now: Date, daysAhead: number): string {
  return new Date(now.getTime() + daysAhead * day).toISOString().slice(0, 10);
}

/**
 * A suppression's expiry from a date input: the start of that day in UTC, so that "until 2027-01-31"
 * ends as that day begins everywhere, and the last day offered stays within the API's 365 days.
 */
export function expiryOf(dateValue: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateValue)) return undefined;
  const at = Date.parse(`${dateValue}T00:00:00Z`);
  return Number.isNaN(at) ? undefined : new Date(at).toISOString();
}

const exposureNames = {
  production_internet_facing: 'production, internet-facing',
  production: 'production',
  other: 'other environments',
} as const;

export const exposureLabel = (exposure: keyof typeof exposureNames): string => exposureNames[exposure];

/** How exposed an app-environment is, in words, as lookups rank it. */
export function exposureText(row: {
  environment: string;
  internet_facing: boolean;
  handles_pii: boolean;
}): string {
  const parts = [
    isProduction(row.environment) ? 'production' : row.environment,
    row.internet_facing ? 'internet-facing' : 'internal',
  ];
  if (row.handles_pii) parts.push('handles PII');
  return parts.join(', ');
}

import type { InstanceItem } from './entities/instance.ts';

/**
 * running: heartbeating; stale: missed its heartbeats, still counted as live but no longer confirmed;
 * stopped: said goodbye on a graceful shutdown, no longer live anywhere; retired: gone for longer
 * than the retention and no longer part of the inventory (its items are deleted by the daily
 * retirement, and DynamoDB's TTL removes anything left behind).
 */
export type InstanceStatus = 'running' | 'stale' | 'stopped' | 'retired';

export interface Lifecycle {
  staleAfterSeconds: number;
  retentionSeconds: number;
  /** A stopped instance stays listed this long, so that a deploy's history can be seen, then retires. */
  stoppedRetentionSeconds: number;
}

const secondsSince = (time: string, now: Date): number => (now.getTime() - Date.parse(time)) / 1000;

export function instanceStatus(
  head: Pick<InstanceItem, 'last_seen' | 'stopped_at'>,
  now: Date,
  lifecycle: Lifecycle,
): InstanceStatus {
  if (head.stopped_at) {
    return secondsSince(head.stopped_at, now) > lifecycle.stoppedRetentionSeconds ? 'retired' : 'stopped';
  }
  if (!head.last_seen) return 'retired';
  const silentSeconds = secondsSince(head.last_seen, now);
  if (silentSeconds > lifecycle.retentionSeconds) return 'retired';
  return silentSeconds > lifecycle.staleAfterSeconds ? 'stale' : 'running';
}

/** Running and stale instances are live: they count in lookups, findings, counts and drift. */
export const isLive = (status: InstanceStatus): boolean => status === 'running' || status === 'stale';

/** The daily retirement normally comes first; TTL, which takes up to a few days, is the backstop. */
const ttlGraceSeconds = 7 * 24 * 3600;

/** How much longer than its head an instance's dependency items live, so that they are rarely rewritten. */
const dependencyTtlHeadroomSeconds = 30 * 24 * 3600;

const epochSeconds = (time: string): number => Math.floor(Date.parse(time) / 1000);

/** TTL of a head last written at `at`: past the retention (of a stopped instance, when it stopped). */
export function headExpiresAt(at: string, lifecycle: Lifecycle, stopped = false): number {
  return (
    epochSeconds(at) +
    (stopped ? lifecycle.stoppedRetentionSeconds : lifecycle.retentionSeconds) +
    ttlGraceSeconds
  );
}

/**
 * TTL of an instance's dependency items. Every item of an instance carries one, so that an instance
 * the retirement never reached leaves nothing behind. Dependency items are written only when they
 * change, so their TTL reaches well beyond the head's, and all of them are rewritten with a new one
 * only when the head's would outlive it (see dependenciesOutlive): about once a month for an instance
 * that runs that long.
 */
export const dependenciesExpireAt = (at: string, lifecycle: Lifecycle): number =>
  headExpiresAt(at, lifecycle) + dependencyTtlHeadroomSeconds;

/** Whether dependency items that expire at `expiresAt` outlive a head written at `at`. */
export const dependenciesOutlive = (
  expiresAt: number | undefined,
  at: string,
  lifecycle: Lifecycle,
): boolean => expiresAt !== undefined && expiresAt >= headExpiresAt(at, lifecycle);

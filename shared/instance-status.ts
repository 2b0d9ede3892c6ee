import type { InstanceItem } from './entities/instance.ts';

/**
 * running: heartbeating; stale: missed its heartbeats but still counted; retired: gone for longer than
 * the retention and no longer part of the running inventory (its items are deleted by the daily
 * retirement, and DynamoDB's TTL removes any head that is left behind).
 */
export type InstanceStatus = 'running' | 'stale' | 'retired';

export interface Lifecycle {
  staleAfterSeconds: number;
  retentionSeconds: number;
}

export function instanceStatus(
  head: Pick<InstanceItem, 'last_seen'>,
  now: Date,
  { staleAfterSeconds, retentionSeconds }: Lifecycle,
): InstanceStatus {
  if (!head.last_seen) return 'retired';
  const silentSeconds = (now.getTime() - Date.parse(head.last_seen)) / 1000;
  if (silentSeconds > retentionSeconds) return 'retired';
  return silentSeconds > staleAfterSeconds ? 'stale' : 'running';
}

/**
 * TTL on the head: the retention plus a week's grace, so that the daily retirement, which also deletes
 * the instance's dependency items, normally comes first. TTL is the backstop.
 */
export function headExpiresAt(lastSeen: string, { retentionSeconds }: Lifecycle): number {
  return Math.floor(Date.parse(lastSeen) / 1000) + retentionSeconds + 7 * 24 * 3600;
}

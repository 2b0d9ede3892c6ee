import type { FindingItem } from './entities/finding.ts';
import type { InstanceItem } from './entities/instance.ts';
import { type InstanceStatus, instanceStatus, type Lifecycle } from './instance-status.ts';

/**
 * open: a running instance is exposed. stale: only instances that have missed their heartbeats are,
 * so the exposure is no longer confirmed (shown, never counted as open). fixed: no live instance is.
 */
export type FindingStatus = 'open' | 'stale' | 'fixed';

export interface FindingState {
  status: FindingStatus;
  /** The last heartbeat of an exposed instance: "last confirmed 3 hours ago". Null once fixed. */
  last_confirmed_at: string | null;
}

const latest = (times: (string | undefined)[]): string | null =>
  times.reduce<string | null>((max, time) => (time && (max === null || time > max) ? time : max), null);

/**
 * The status of a stored finding now. An evaluation decides open or fixed, when something changes;
 * an instance going silent is no event, so whether an open finding is still confirmed is read from
 * its listed instances' heads when it is shown. A finding lists its running instances first, so the
 * listed ones fall silent last.
 */
export function findingState(
  finding: Pick<FindingItem, 'status' | 'instances' | 'evaluated_at'>,
  headOf: (instance: string) => Pick<InstanceItem, 'last_seen' | 'stopped_at'> | undefined,
  now: Date,
  lifecycle: Lifecycle,
): FindingState {
  if (finding.status === 'fixed') return { status: 'fixed', last_confirmed_at: null };
  const heads = [...new Set(finding.instances.map((row) => row.instance))].map((instance) =>
    headOf(instance),
  );
  const withStatus = (status: InstanceStatus) =>
    heads.filter((head) => head !== undefined && instanceStatus(head, now, lifecycle) === status);
  const running = withStatus('running');
  if (running.length > 0) {
    return { status: 'open', last_confirmed_at: latest(running.map((head) => head?.last_seen)) };
  }
  // Stale instances, or none live any more while the evaluation that fixes the finding is under way.
  return {
    status: 'stale',
    last_confirmed_at: latest(heads.map((head) => head?.last_seen)) ?? finding.evaluated_at,
  };
}

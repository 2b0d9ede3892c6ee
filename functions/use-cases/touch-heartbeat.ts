import { instanceKey } from '../../shared/entities/instance.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { headExpiresAt, instanceStatus } from '../../shared/instance-status.ts';
import { planHeartbeat } from '../../shared/inventory.ts';
import { config, lifecycle } from '../lib/config.ts';
import { readHeadState, touchHead } from '../stores/inventory-store.ts';

/**
 * What a heartbeat that changes no inventory did: nothing (a duplicate, an older one, or one within
 * the last-seen interval), or moved its instance's last-seen time: `revived` when the instance was
 * stale, so that the apps list must count it as running again. `write` when it needs more: a new or
 * changed inventory, a stop, a lease held, or a head that moved since it was read.
 */
export type TouchOutcome = 'ignored' | 'coalesced' | 'touched' | 'revived' | 'write';

/**
 * Applies a heartbeat that changes nothing but when its instance was last seen: one read, and at most
 * one small conditional write. The ingest route applies most heartbeats so, and the queue carries only
 * the rest; the consumer starts each heartbeat so too, since the head may have changed in between.
 */
export async function touchHeartbeat(
  message: HeartbeatMessage,
  hash: string,
  /** Whether the caller brings the apps list up to date after reviving a stale instance. */
  { revive }: { revive: boolean },
): Promise<TouchOutcome> {
  const { org, heartbeat } = message;
  const key = instanceKey(org, heartbeat.app, heartbeat.environment, heartbeat.instance);
  const head = await readHeadState(key);
  const plan = planHeartbeat({
    head,
    sentAt: heartbeat.sent_at,
    stopping: heartbeat.stopping === true,
    hash,
    receivedAt: message.received_at,
    lastSeenIntervalSeconds: config.LAST_SEEN_INTERVAL_SECONDS,
    lifecycle,
  });
  if (plan.kind === 'ignore') return 'ignored';
  if (plan.kind === 'coalesce') return 'coalesced';
  if (plan.kind === 'write') return 'write';
  const stale = head?.last_seen && instanceStatus(head, new Date(message.received_at), lifecycle) === 'stale';
  if (stale && !revive) return 'write';
  const touched = await touchHead(key, {
    sentAt: heartbeat.sent_at,
    seenAt: message.received_at,
    expiresAt: headExpiresAt(message.received_at, lifecycle),
    hash,
  });
  if (!touched) return 'write';
  return stale ? 'revived' : 'touched';
}

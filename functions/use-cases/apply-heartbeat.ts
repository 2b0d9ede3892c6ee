import { instanceKey } from '../../shared/entities/instance.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { dependenciesExpireAt, dependenciesOutlive, headExpiresAt } from '../../shared/instance-status.ts';
import { dependencyStates, diffDependencies, inventoryHash, planHeartbeat } from '../../shared/inventory.ts';
import { config, lifecycle } from '../lib/config.ts';
import {
  type HeadWrite,
  leaseInstance,
  readHeadState,
  readInstanceDependencies,
  recordClassification,
  setStopped,
  touchHead,
  writeDependencies,
  writeHead,
} from '../stores/inventory-store.ts';
import { releaseLease } from '../stores/lease.ts';
import { evaluateAppEnvironment } from './evaluate-app-environment.ts';

export type HeartbeatOutcome = 'ignored' | 'coalesced' | 'touched' | 'written';

const isNewer = (sentAt: string, than: string | undefined): boolean =>
  than === undefined || Date.parse(sentAt) > Date.parse(than);

/**
 * Applies one heartbeat to the inventory, idempotently and in sent_at order: a heartbeat that is a
 * duplicate or older than what is stored changes nothing, an unchanged inventory costs at most one
 * small write, and a changed one writes only the dependencies that changed. A stopping heartbeat
 * takes the instance out of the live inventory at once and evaluates its app-environment again, so
 * that a deploy of a fix closes the finding as the last vulnerable instance stops.
 */
export async function applyHeartbeat(message: HeartbeatMessage): Promise<HeartbeatOutcome> {
  const { org, heartbeat } = message;
  const key = instanceKey(org, heartbeat.app, heartbeat.environment, heartbeat.instance);
  const hash = inventoryHash(heartbeat);
  const plan = planHeartbeat({
    head: await readHeadState(key),
    sentAt: heartbeat.sent_at,
    stopping: heartbeat.stopping === true,
    hash,
    receivedAt: message.received_at,
    lastSeenIntervalSeconds: config.LAST_SEEN_INTERVAL_SECONDS,
    lifecycle,
  });
  if (plan.kind === 'ignore') return 'ignored';
  if (plan.kind === 'coalesce') return 'coalesced';
  if (plan.kind === 'touch') {
    const touched = await touchHead(key, {
      sentAt: heartbeat.sent_at,
      seenAt: message.received_at,
      expiresAt: headExpiresAt(message.received_at, lifecycle),
      hash,
    });
    // Otherwise the head moved since it was read: decide again under the lease.
    if (touched) return 'touched';
  }
  return writeUnderLease(message, hash);
}

async function writeUnderLease(message: HeartbeatMessage, hash: string): Promise<HeartbeatOutcome> {
  const { org, heartbeat } = message;
  const { app, environment, instance } = heartbeat;
  const key = instanceKey(org, app, environment, instance);
  const head = await leaseInstance(key, message.id, heartbeat);
  if (!isNewer(heartbeat.sent_at, head.sent_at)) {
    await releaseLease(key, message.id);
    return 'ignored';
  }
  const stopping = heartbeat.stopping === true;
  if (stopping !== (head.stopped_at !== undefined)) {
    await setStopped(key, message.id, stopping ? message.received_at : undefined);
  }
  let inventory: HeadWrite['inventory'];
  // The goodbye is sent while the VM shuts down, its applications stopping: an instance Muster knows
  // keeps the inventory it ran with. One never seen before (a one-shot report) is stored as it reports.
  if (!(stopping && head.inventory_hash !== undefined)) {
    const refresh = !dependenciesOutlive(head.dependencies_expire_at, message.received_at, lifecycle);
    const expiresAt = refresh
      ? dependenciesExpireAt(message.received_at, lifecycle)
      : head.dependencies_expire_at!;
    const next = dependencyStates(heartbeat);
    const { upserts, removals } = diffDependencies(
      await readInstanceDependencies(org, app, environment, instance),
      next,
    );
    await recordClassification(message);
    await writeDependencies(org, heartbeat, refresh ? next : upserts, removals, expiresAt);
    inventory = {
      inventory_hash: hash,
      dependency_count: heartbeat.deps.length,
      runtime: heartbeat.runtime ?? {},
      release: heartbeat.release,
      git_sha: heartbeat.git_sha,
      host: heartbeat.host,
      dependencies_expire_at: expiresAt,
    };
  }
  // Before the head is written: should this fail, the head keeps the lease and its old sent_at, and
  // the redelivered message does all of it again, findings included.
  await evaluateAppEnvironment(org, app, environment, { changedAt: Date.now() });
  await writeHead(key, message.id, {
    sent_at: heartbeat.sent_at,
    last_seen: message.received_at,
    expires_at: headExpiresAt(message.received_at, lifecycle, stopping),
    inventory,
  });
  return 'written';
}

import { instanceKey } from '../../shared/entities/instance.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { dependenciesExpireAt, dependenciesOutlive, headExpiresAt } from '../../shared/instance-status.ts';
import { dependencyStates, diffDependencies, inventoryHash } from '../../shared/inventory.ts';
import { lifecycle } from '../lib/config.ts';
import { logger } from '../lib/logger.ts';
import {
  type HeadWrite,
  leaseInstance,
  readInstanceDependencies,
  recordClassification,
  setStopped,
  writeDependencies,
  writeHead,
} from '../stores/inventory-store.ts';
import { releaseLease } from '../stores/lease.ts';
import { evaluateAppEnvironment } from './evaluate-app-environment.ts';
import { summarizeAppEnvironment } from './summarize-app-environment.ts';
import { touchHeartbeat } from './touch-heartbeat.ts';

export type HeartbeatOutcome = 'ignored' | 'coalesced' | 'touched' | 'written';

const isNewer = (sentAt: string, than: string | undefined): boolean =>
  than === undefined || Date.parse(sentAt) > Date.parse(than);

/**
 * A heartbeat whose inventory or status is written, save its head: what is left once its
 * app-environment has been evaluated.
 */
interface PendingWrite {
  message: HeartbeatMessage;
  /** Writes the head and releases the instance's lease. */
  finish: () => Promise<void>;
}

/**
 * Applies one heartbeat to the inventory, idempotently and in sent_at order: a heartbeat that is a
 * duplicate or older than what is stored changes nothing, an unchanged inventory costs at most one
 * small write, and a changed one writes only the dependencies that changed, then waits for its
 * app-environment's evaluation (see applyHeartbeats) before its head is written.
 */
async function prepareHeartbeat(message: HeartbeatMessage): Promise<HeartbeatOutcome | PendingWrite> {
  const { org, heartbeat } = message;
  const hash = inventoryHash(heartbeat);
  const touch = await touchHeartbeat(message, hash, { revive: true });
  if (touch === 'write') return writeUnderLease(message, hash);
  if (touch === 'revived') {
    await refreshAppsRow(org, heartbeat.app, heartbeat.environment);
    return 'touched';
  }
  return touch;
}

/**
 * Brings the app-environment's row of the apps list up to date once the heartbeat is applied. A failure
 * must not redeliver the heartbeat (the redelivery would be ignored as not newer); the hourly sweep
 * writes any row that is out of date.
 */
const refreshAppsRow = (org: string, app: string, environment: string): Promise<void> =>
  summarizeAppEnvironment(org, app, environment).catch((error: Error) =>
    logger.warn('apps list row not refreshed; the hourly sweep will', {
      app,
      environment,
      error: error.name,
      reason: error.message,
    }),
  );

async function writeUnderLease(
  message: HeartbeatMessage,
  hash: string,
): Promise<HeartbeatOutcome | PendingWrite> {
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
  return {
    message,
    finish: () =>
      writeHead(key, message.id, {
        sent_at: heartbeat.sent_at,
        last_seen: message.received_at,
        expires_at: headExpiresAt(message.received_at, lifecycle, stopping),
        inventory,
      }),
  };
}

const isPending = (prepared: HeartbeatOutcome | PendingWrite): prepared is PendingWrite =>
  typeof prepared !== 'string';

const appEnvironmentOf = ({ org, heartbeat }: HeartbeatMessage) =>
  JSON.stringify([org, heartbeat.app, heartbeat.environment]);

const instanceOf = ({ org, heartbeat }: HeartbeatMessage) =>
  JSON.stringify([org, heartbeat.app, heartbeat.environment, heartbeat.instance]);

/**
 * Applies a batch of heartbeats. Of several heartbeats of one instance, only the newest is applied:
 * each carries the whole inventory, and the older ones would be ignored after it. Every changed
 * inventory is written first; then each app-environment they touch is evaluated once, however many of
 * its instances changed (a deploy of twenty instances is one evaluation, and its usage rows are
 * written once); then the heads are written. Should an evaluation fail, its heartbeats fail with it:
 * their heads keep the lease and the old sent_at, and the redelivery does all of it again, findings
 * included. The outcomes come in the order of `messages`.
 */
export async function applyHeartbeats(
  messages: HeartbeatMessage[],
): Promise<PromiseSettledResult<HeartbeatOutcome>[]> {
  const newest = new Map<string, HeartbeatMessage>();
  for (const message of messages) {
    const known = newest.get(instanceOf(message));
    if (!known || isNewer(message.heartbeat.sent_at, known.heartbeat.sent_at))
      newest.set(instanceOf(message), message);
  }
  const prepared = new Map(
    await Promise.all(
      [...newest.values()].map(
        async (message) => [message, await settle(prepareHeartbeat(message))] as const,
      ),
    ),
  );
  const pending = [...prepared.values()].flatMap((result) =>
    result.status === 'fulfilled' && isPending(result.value) ? [result.value] : [],
  );
  const changedAt = Date.now();
  const evaluations = new Map(
    await Promise.all(
      [...new Set(pending.map(({ message }) => appEnvironmentOf(message)))].map(async (appEnvironment) => {
        const [org, app, environment] = JSON.parse(appEnvironment) as [string, string, string];
        return [
          appEnvironment,
          await settle(evaluateAppEnvironment(org, app, environment, { changedAt, summarize: false })),
        ] as const;
      }),
    ),
  );
  const finished = new Map(
    await Promise.all(
      pending.map(async (write) => {
        const evaluation = evaluations.get(appEnvironmentOf(write.message))!;
        const done = evaluation.status === 'rejected' ? evaluation : await settle(write.finish());
        return [write.message, done] as const;
      }),
    ),
  );
  const refreshed = [...evaluations.keys()].filter((appEnvironment) =>
    pending.some(
      (write) =>
        appEnvironmentOf(write.message) === appEnvironment &&
        finished.get(write.message)?.status === 'fulfilled',
    ),
  );
  await Promise.all(
    refreshed.map((appEnvironment) => {
      const [org, app, environment] = JSON.parse(appEnvironment) as [string, string, string];
      return refreshAppsRow(org, app, environment);
    }),
  );
  return messages.map((message): PromiseSettledResult<HeartbeatOutcome> => {
    const result = prepared.get(message);
    // An older heartbeat of an instance whose newer one is in the same batch.
    if (!result) return { status: 'fulfilled', value: 'ignored' };
    if (result.status === 'rejected' || !isPending(result.value))
      return result as PromiseSettledResult<HeartbeatOutcome>;
    const done = finished.get(message)!;
    return done.status === 'rejected' ? done : { status: 'fulfilled', value: 'written' };
  });
}

const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({ status: 'fulfilled', value }),
    (reason) => ({ status: 'rejected', reason }),
  );

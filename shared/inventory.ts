import { createHash } from 'node:crypto';
import { ecosystemOf } from './ecosystem.ts';
import type { Classification } from './entities/app-environment.ts';
import type { DependencyState } from './entities/dependency.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { Heartbeat } from './heartbeat.ts';
import { dependenciesOutlive, type Lifecycle } from './instance-status.ts';

/**
 * The runtime an instance reports, as dependencies: the OTP release (`otp`, such as 27.3.4.2), ERTS and
 * Elixir, unless the loaded applications already name them. So "who runs OTP < 27.3.4.1" is the same
 * one Query on the package index as any other lookup.
 */
function runtimeDependencies(heartbeat: Heartbeat): { name: string; version: string; running: true }[] {
  const loaded = new Set(heartbeat.deps.map((dependency) => dependency.name));
  const runtime = heartbeat.runtime ?? {};
  return (['otp', 'erts', 'elixir'] as const)
    .filter((name) => runtime[name] !== undefined && !loaded.has(name))
    .map((name) => ({ name, version: runtime[name]!, running: true }));
}

/** An instance's dependencies as they are stored: classified, and marked when the app was started. */
export function dependencyStates(heartbeat: Heartbeat): DependencyState[] {
  const started = new Set(heartbeat.started_apps ?? []);
  return [...heartbeat.deps, ...runtimeDependencies(heartbeat)]
    .map((dependency) => ({
      name: dependency.name,
      version: dependency.version,
      ecosystem: ecosystemOf(dependency.name),
      started: started.has(dependency.name) || 'running' in dependency,
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function reportedClassification(heartbeat: Heartbeat): Classification {
  return {
    internet_facing: heartbeat.internet_facing ?? false,
    handles_pii: heartbeat.handles_pii ?? false,
    urls: heartbeat.urls ?? [],
  };
}

/**
 * A digest of everything a heartbeat says about an instance except when it was sent. Equal digests
 * mean nothing needs rewriting, which is what keeps a steady fleet's heartbeats cheap.
 */
export function inventoryHash(heartbeat: Heartbeat): string {
  const canonical = JSON.stringify([
    dependencyStates(heartbeat).map((d) => [d.name, d.version, d.started]),
    [heartbeat.runtime?.elixir, heartbeat.runtime?.otp, heartbeat.runtime?.erts],
    [heartbeat.release?.name, heartbeat.release?.version],
    heartbeat.git_sha,
    heartbeat.host,
    reportedClassification(heartbeat),
    Object.entries(heartbeat.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

export interface DependencyDiff {
  /** New dependencies and those whose version or started flag changed. */
  upserts: DependencyState[];
  /** Names no longer loaded. */
  removals: string[];
}

export function diffDependencies(previous: DependencyState[], next: DependencyState[]): DependencyDiff {
  const before = new Map(previous.map((dependency) => [dependency.name, dependency]));
  const upserts = next.filter((dependency) => {
    const old = before.get(dependency.name);
    return !old || old.version !== dependency.version || old.started !== dependency.started;
  });
  const nextNames = new Set(next.map((dependency) => dependency.name));
  const removals = previous.map((dependency) => dependency.name).filter((name) => !nextNames.has(name));
  return { upserts, removals };
}

export type HeartbeatPlan =
  /** The instance already holds this heartbeat or a newer one, or has stopped already: nothing to do. */
  | { kind: 'ignore' }
  /** Same inventory, last_seen recent enough: nothing to write. */
  | { kind: 'coalesce' }
  /** Same inventory: only last_seen and sent_at move. */
  | { kind: 'touch' }
  /**
   * New instance, changed inventory, stopping or back from a stop, dependency items due for a new TTL,
   * or a head left leased by a delivery that failed half-way: written under the instance's lease, and
   * the app-environment evaluated again.
   */
  | { kind: 'write' };

/** What planning a heartbeat reads of an instance's head. */
export type HeadState = Pick<
  InstanceItem,
  'sent_at' | 'last_seen' | 'inventory_hash' | 'stopped_at' | 'dependencies_expire_at' | 'lease_owner'
>;

export interface PlanInput {
  head: HeadState | undefined;
  sentAt: string;
  stopping: boolean;
  hash: string;
  receivedAt: string;
  /** last_seen is written at most once per this many seconds per instance. */
  lastSeenIntervalSeconds: number;
  lifecycle: Lifecycle;
}

export function planHeartbeat({
  head,
  sentAt,
  stopping,
  hash,
  receivedAt,
  lastSeenIntervalSeconds,
  lifecycle,
}: PlanInput): HeartbeatPlan {
  if (!head?.sent_at || head.inventory_hash === undefined) return { kind: 'write' };
  if (Date.parse(head.sent_at) >= Date.parse(sentAt)) return { kind: 'ignore' };
  if (head.lease_owner !== undefined) return { kind: 'write' };
  const stopped = head.stopped_at !== undefined;
  // A second goodbye (the agent's and a one-shot report's in one VM) changes nothing.
  if (stopping && stopped) return { kind: 'ignore' };
  if (stopping !== stopped || head.inventory_hash !== hash) return { kind: 'write' };
  if (!dependenciesOutlive(head.dependencies_expire_at, receivedAt, lifecycle)) return { kind: 'write' };
  const sinceLastSeen = Date.parse(receivedAt) - Date.parse(head.last_seen ?? head.sent_at);
  return sinceLastSeen < lastSeenIntervalSeconds * 1000 ? { kind: 'coalesce' } : { kind: 'touch' };
}

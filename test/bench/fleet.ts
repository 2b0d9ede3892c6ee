import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { otpReleases } from '../../infra/local/otp-releases.ts';
import type { Dependency, Heartbeat } from '../../shared/heartbeat.ts';

/**
 * Realistic fleets from real mix.lock files: each lockfile is one app's Hex dependency set; apps run
 * in prod and staging with two instances each; versions drift between apps, between environments
 * (staging ahead) and now and then between the instances of one app-environment (a rollout under
 * way); every instance also loads the OTP and Elixir applications of its runtime.
 */

export interface Lockfile {
  name: string;
  dependencies: Dependency[];
}

/** The Hex entries of a mix.lock, old single-line format or new: `"plug": {:hex, :plug, "1.16.1", ...}`. */
export function parseMixLock(text: string): Dependency[] {
  const entries = text.matchAll(/"([a-z][a-z0-9_]*)":\s*\{:hex,\s*:"?[\w.]+"?,\s*"([^"]+)"/g);
  return [...entries].map(([, name, version]) => ({ name: name!, version: version! }));
}

export function readLockfiles(directory: string): Lockfile[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.mix.lock'))
    .sort()
    .map((file) => ({
      name: file
        .replace(/\.mix\.lock$/, '')
        .split('__')[1]!
        .replace(/[^a-z0-9]+/gi, '-')
        .toLowerCase(),
      dependencies: parseMixLock(readFileSync(join(directory, file), 'utf8')),
    }))
    .filter((lockfile) => lockfile.dependencies.length > 0);
}

const elixirVersions = ['1.14.5', '1.15.8', '1.16.3', '1.17.3', '1.18.3'];

/** A small deterministic generator (mulberry32), so that every run builds the same fleet. */
export function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A nearby release of the same line: the patch number moved by a little, as drifting apps pin. */
export function driftVersion(version: string, by: number): string {
  const match = /^(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  if (!match) return version;
  const patch = Math.max(0, Number(match[3]) + by);
  return `${match[1]}.${match[2]}.${patch}`;
}

export interface FleetOptions {
  appEnvironments: number;
  instancesPerAppEnvironment?: number;
  seed?: number;
  sentAt: string;
}

/**
 * The packages that only one lockfile has: its first app keeps them and the apps built from the same
 * lockfile later do not, so that some packages stay rare (one team's library) whatever the fleet's size.
 */
function ownPackages(lockfiles: Lockfile[]): Set<string> {
  const holders = new Map<string, number>();
  for (const lockfile of lockfiles) {
    for (const { name } of lockfile.dependencies) holders.set(name, (holders.get(name) ?? 0) + 1);
  }
  return new Set([...holders].filter(([, count]) => count === 1).map(([name]) => name));
}

/** The heartbeats of a whole fleet, one per instance. */
export function generateFleet(lockfiles: Lockfile[], options: FleetOptions): Heartbeat[] {
  const next = random(options.seed ?? 20261130);
  const own = ownPackages(lockfiles);
  const instances = options.instancesPerAppEnvironment ?? 2;
  const heartbeats: Heartbeat[] = [];
  const apps = Math.ceil(options.appEnvironments / 2);
  for (let appIndex = 0; appIndex < apps; appIndex++) {
    const lockfile = lockfiles[appIndex % lockfiles.length]!;
    const app = `${lockfile.name}-${appIndex}`;
    const runtime = otpReleases[Math.floor(next() * otpReleases.length)]!;
    const elixir = elixirVersions[Math.floor(next() * elixirVersions.length)]!;
    // Each app pins its own versions around the lockfile's.
    const kept =
      appIndex < lockfiles.length
        ? lockfile.dependencies
        : lockfile.dependencies.filter((d) => !own.has(d.name));
    const pinned = kept.map((d) => ({
      name: d.name,
      version: next() < 0.3 ? driftVersion(d.version, Math.floor(next() * 5) - 2) : d.version,
    }));
    const internetFacing = next() < 0.5;
    const handlesPii = next() < 0.4;
    for (const environment of ['prod', 'staging']) {
      if (heartbeats.length >= options.appEnvironments * instances) break;
      const hex =
        environment === 'staging'
          ? pinned.map((d) => (next() < 0.2 ? { ...d, version: driftVersion(d.version, 1) } : d))
          : pinned;
      for (let instance = 0; instance < instances; instance++) {
        // Now and then a rollout is half done: the second instance still runs one older version.
        const lagging = instance > 0 && next() < 0.1 && hex.length > 0;
        const ownHex = lagging
          ? hex.map((d, i) => (i === 0 ? { ...d, version: driftVersion(d.version, -1) } : d))
          : hex;
        const deps = [
          ...ownHex,
          ...Object.entries(runtime.apps).map(([name, version]) => ({ name, version })),
          ...['elixir', 'logger', 'eex'].map((name) => ({ name, version: elixir })),
        ].filter((d, i, all) => all.findIndex((other) => other.name === d.name) === i);
        heartbeats.push({
          app,
          environment,
          instance: `${app}@${environment}-${instance + 1}`,
          sent_at: options.sentAt,
          internet_facing: environment === 'prod' && internetFacing,
          handles_pii: handlesPii,
          urls: environment === 'prod' && internetFacing ? [`https://${app}.example.com`] : [],
          runtime: { elixir, otp: runtime.otp, erts: runtime.erts },
          release: { name: app, version: '1.0.0' },
          host: `${environment}-${instance + 1}.internal`,
          started_apps: deps.map((d) => d.name),
          deps,
        });
      }
    }
  }
  return heartbeats;
}

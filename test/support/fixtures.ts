import { randomUUID } from 'node:crypto';
import type { Heartbeat, HeartbeatMessage } from '../../shared/heartbeat.ts';

/** A fresh organization name per test, so tests sharing the servers never see each other's data. */
export const uniqueOrg = (label = 'org'): string => `${label}-${randomUUID().slice(0, 8)}`;

/** A GitHub account name no other test uses: an account is bound to one organization per table. */
export const uniqueGitHubOwner = (label = 'owner'): string => `${label}-${randomUUID().slice(0, 8)}`;

/** A time shortly before the test runs: instances reported then are running, not stale or retired. */
export const recently = (secondsAgo = 60): string => new Date(Date.now() - secondsAgo * 1000).toISOString();

export const sentRecently = recently(60);
export const receivedRecently = recently(59);

export function heartbeat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    app: 'billing',
    environment: 'prod',
    instance: 'billing@web-1',
    sent_at: sentRecently,
    internet_facing: true,
    handles_pii: true,
    urls: ['https://billing.example.com'],
    runtime: { elixir: '1.17.3', otp: '27.1.2', erts: '15.1.2' },
    release: { name: 'billing', version: '0.4.2' },
    deps: [
      { name: 'plug', version: '1.16.1' },
      { name: 'phoenix', version: '1.7.14' },
      { name: 'kernel', version: '10.1.1' },
      { name: 'logger', version: '1.17.3' },
    ],
    ...overrides,
  };
}

export function heartbeatMessage(
  org: string,
  overrides: Partial<Heartbeat> = {},
  receivedAt = receivedRecently,
): HeartbeatMessage {
  return { id: randomUUID(), org, received_at: receivedAt, heartbeat: heartbeat(overrides) };
}

/**
 * Thirty app-environments of one instance each, a third of them in staging and half internet-facing:
 * enough to page through in several exposure ranks.
 */
export const mixedAppEnvironments = (deps?: (index: number) => Heartbeat['deps']) =>
  Array.from({ length: 30 }, (_, i) => ({
    app: `app-${String(i).padStart(2, '0')}`,
    environment: i % 3 === 0 ? 'staging' : 'prod',
    instance: `i-${i}`,
    internet_facing: i % 2 === 0,
    ...(deps ? { deps: deps(i) } : {}),
  }));

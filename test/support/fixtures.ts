import { randomUUID } from 'node:crypto';
import type { Heartbeat, HeartbeatMessage } from '../../shared/heartbeat.ts';

/** A fresh organization name per test, so tests sharing the servers never see each other's data. */
export const uniqueOrg = (label = 'org'): string => `${label}-${randomUUID().slice(0, 8)}`;

export function heartbeat(overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    app: 'billing',
    environment: 'prod',
    instance: 'billing@web-1',
    sent_at: '2026-11-29T10:00:00Z',
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
  receivedAt = '2026-11-29T10:00:01Z',
): HeartbeatMessage {
  return { id: randomUUID(), org, received_at: receivedAt, heartbeat: heartbeat(overrides) };
}

import { describe, expect, it } from 'vitest';
import type { FindingItem } from '../../shared/entities/finding.ts';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import { findingState } from '../../shared/finding-status.ts';

const now = new Date('2026-12-02T12:00:00.000Z');
const lifecycle = {
  staleAfterSeconds: 3 * 3600,
  retentionSeconds: 7 * 24 * 3600,
  stoppedRetentionSeconds: 24 * 3600,
};
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3600_000).toISOString();

const finding = (
  instances: string[],
  status: FindingItem['status'] = 'open',
): Pick<FindingItem, 'status' | 'instances' | 'evaluated_at'> => ({
  status,
  evaluated_at: hoursAgo(10),
  instances: instances.map((instance) => ({
    instance,
    package: 'plug',
    version: '1.16.0',
    started: true,
    basis: 'application',
    fixed_in: '1.16.2',
  })),
});

const heads: Record<string, Pick<InstanceItem, 'last_seen' | 'stopped_at'>> = {
  running: { last_seen: hoursAgo(0.5) },
  silent: { last_seen: hoursAgo(4) },
  quieter: { last_seen: hoursAgo(5) },
  stopped: { last_seen: hoursAgo(0.2), stopped_at: hoursAgo(0.2) },
};
const headOf = (instance: string) => heads[instance];

describe('findingState', () => {
  it('is open while a running instance is exposed, confirmed by its last heartbeat', () => {
    expect(findingState(finding(['silent', 'running']), headOf, now, lifecycle)).toEqual({
      status: 'open',
      last_confirmed_at: hoursAgo(0.5),
    });
  });

  it('is stale when only instances that missed their heartbeats are exposed, last confirmed by the latest', () => {
    expect(findingState(finding(['quieter', 'silent']), headOf, now, lifecycle)).toEqual({
      status: 'stale',
      last_confirmed_at: hoursAgo(4),
    });
  });

  it('is not open on the word of an instance that stopped, until the evaluation fixes it', () => {
    expect(findingState(finding(['stopped']), headOf, now, lifecycle).status).toBe('stale');
    expect(findingState(finding(['gone']), headOf, now, lifecycle)).toEqual({
      status: 'stale',
      last_confirmed_at: hoursAgo(10),
    });
  });

  it('stays fixed once an evaluation fixed it', () => {
    expect(findingState(finding(['running'], 'fixed'), headOf, now, lifecycle)).toEqual({
      status: 'fixed',
      last_confirmed_at: null,
    });
  });
});

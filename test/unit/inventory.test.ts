import { describe, expect, it } from 'vitest';
import { ecosystemOf } from '../../shared/ecosystem.ts';
import { dependenciesExpireAt } from '../../shared/instance-status.ts';
import { dependencyStates, diffDependencies, inventoryHash, planHeartbeat } from '../../shared/inventory.ts';
import { heartbeat } from '../support/fixtures.ts';

describe('ecosystemOf', () => {
  it('tells OTP, Elixir and Hex applications apart', () => {
    expect(['kernel', 'ssh', 'public_key', 'logger', 'eex', 'plug'].map(ecosystemOf)).toEqual([
      'otp',
      'otp',
      'otp',
      'elixir',
      'elixir',
      'hex',
    ]);
  });
});

describe('inventoryHash', () => {
  it('ignores sent_at and the order of dependencies', () => {
    const a = heartbeat();
    const b = heartbeat({ sent_at: '2026-11-30T00:00:00Z', deps: [...a.deps].reverse() });
    expect(inventoryHash(b)).toBe(inventoryHash(a));
  });

  it('changes with a version, the runtime or the classification', () => {
    const base = inventoryHash(heartbeat());
    expect(inventoryHash(heartbeat({ deps: [{ name: 'plug', version: '1.16.2' }] }))).not.toBe(base);
    expect(inventoryHash(heartbeat({ runtime: { otp: '27.1.3' } }))).not.toBe(base);
    expect(inventoryHash(heartbeat({ internet_facing: false }))).not.toBe(base);
  });
});

describe('diffDependencies', () => {
  it('writes only what changed and removes what is gone', () => {
    const before = dependencyStates(heartbeat());
    const after = dependencyStates(
      heartbeat({
        deps: [
          { name: 'plug', version: '1.16.2' },
          { name: 'phoenix', version: '1.7.14' },
          { name: 'kernel', version: '10.1.1' },
          { name: 'jason', version: '1.4.4' },
        ],
      }),
    );
    const diff = diffDependencies(before, after);
    expect(diff.upserts.map((d) => `${d.name}@${d.version}`).sort()).toEqual(['jason@1.4.4', 'plug@1.16.2']);
    expect(diff.removals).toEqual(['logger']);
  });

  it('finds nothing to do for the same inventory', () => {
    const states = dependencyStates(heartbeat());
    expect(diffDependencies(states, states)).toEqual({ upserts: [], removals: [] });
  });
});

describe('planHeartbeat', () => {
  const lifecycle = {
    staleAfterSeconds: 3 * 3600,
    retentionSeconds: 7 * 24 * 3600,
    stoppedRetentionSeconds: 24 * 3600,
  };
  const head = {
    sent_at: '2026-11-29T10:00:00.000Z',
    last_seen: '2026-11-29T10:00:01.000Z',
    inventory_hash: 'h1',
    dependencies_expire_at: dependenciesExpireAt('2026-11-29T10:00:01.000Z', lifecycle),
  };
  const plan = (input: Partial<Parameters<typeof planHeartbeat>[0]>) =>
    planHeartbeat({
      head,
      sentAt: '2026-11-29T11:00:00.000Z',
      stopping: false,
      hash: 'h1',
      receivedAt: '2026-11-29T11:00:01.000Z',
      lastSeenIntervalSeconds: 600,
      lifecycle,
      ...input,
    }).kind;

  it('writes a new instance', () => expect(plan({ head: undefined })).toBe('write'));
  it('ignores a duplicate', () => expect(plan({ sentAt: head.sent_at })).toBe('ignore'));
  it('ignores an older heartbeat', () =>
    expect(plan({ sentAt: '2026-11-29T09:00:00.000Z', hash: 'h2' })).toBe('ignore'));
  it('compares sent_at as instants, not as text', () => {
    const stored = { ...head, sent_at: '2026-11-29T10:00:00Z' };
    expect(plan({ head: stored, sentAt: '2026-11-29T10:00:00.500Z', hash: 'h2' })).toBe('write');
    expect(plan({ head: stored, sentAt: '2026-11-29T12:00:00+02:00', hash: 'h2' })).toBe('ignore');
  });
  it('writes a changed inventory', () => expect(plan({ hash: 'h2' })).toBe('write'));
  it('touches last_seen once the interval has passed', () => expect(plan({})).toBe('touch'));
  it('coalesces within the interval', () =>
    expect(plan({ sentAt: '2026-11-29T10:05:00.000Z', receivedAt: '2026-11-29T10:05:01.000Z' })).toBe(
      'coalesce',
    ));
  it('writes when an earlier write stopped before its head', () =>
    expect(plan({ head: { sent_at: undefined, inventory_hash: undefined } })).toBe('write'));
  it('writes under the lease a head that a failed delivery left leased, so that it is evaluated', () =>
    expect(plan({ head: { ...head, lease_owner: 'message-1' } })).toBe('write'));
  it('writes a goodbye, even with the same inventory', () => expect(plan({ stopping: true })).toBe('write'));
  it('ignores a second goodbye', () =>
    expect(plan({ head: { ...head, stopped_at: head.last_seen }, stopping: true })).toBe('ignore'));
  it('writes an instance that reports again after its goodbye', () =>
    expect(plan({ head: { ...head, stopped_at: head.last_seen } })).toBe('write'));
  it('writes when the dependency items would expire before the head', () => {
    expect(plan({ head: { ...head, dependencies_expire_at: undefined } })).toBe('write');
    expect(plan({ receivedAt: '2026-12-29T11:00:01.000Z', sentAt: '2026-12-29T11:00:00.000Z' })).toBe(
      'write',
    );
    expect(plan({ receivedAt: '2026-12-20T11:00:01.000Z', sentAt: '2026-12-20T11:00:00.000Z' })).toBe(
      'touch',
    );
  });
});

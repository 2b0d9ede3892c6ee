import { describe, expect, it } from 'vitest';
import { nextFireTime } from '../../infra/local/scheduler.ts';
import { schedules } from '../../shared/resources.ts';

const weekly = schedules.find((schedule) => schedule.name === 'weekly-summary')!;

describe('nextFireTime', () => {
  it('fires on the next Monday at 08:00 UTC', () => {
    expect(nextFireTime(weekly, new Date('2026-11-26T12:00:00Z')).toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('waits a week once this Monday’s time has passed', () => {
    expect(nextFireTime(weekly, new Date('2026-11-30T08:00:00Z')).toISOString()).toBe(
      '2026-12-07T08:00:00.000Z',
    );
  });

  it('fires later the same Monday before the time', () => {
    expect(nextFireTime(weekly, new Date('2026-11-30T07:59:00Z')).toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });
});

describe('nextFireTime of a rate', () => {
  const sync = schedules.find((schedule) => schedule.name === 'sync-advisories')!;

  it('fires every ten minutes, or as often as the local stack asks', () => {
    const from = new Date('2026-12-02T10:03:00Z');
    expect(nextFireTime(sync, from).toISOString()).toBe('2026-12-02T10:13:00.000Z');
    expect(nextFireTime(sync, from, 30).toISOString()).toBe('2026-12-02T10:03:30.000Z');
  });
});

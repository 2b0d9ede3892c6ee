import { describe, expect, it } from 'vitest';
import { type AttentionRow, attentionOf, durationInWords } from '../../shared/attention.ts';

const now = new Date('2026-12-05T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3600_000).toISOString();
const none = { critical: 0, high: 0, medium: 0, low: 0 };
const staleAfter = 3 * 3600;

function row(overrides: Partial<AttentionRow> = {}): AttentionRow {
  return {
    internet_facing: false,
    handles_pii: false,
    instances: { running: 2, stale: 0, stopped: 0 },
    last_seen: hoursAgo(0.2),
    vulnerabilities: { runtime: none, scan: none },
    last_scanned_at: hoursAgo(24),
    ...overrides,
  };
}

const runtime = (counts: Partial<typeof none>) => ({ runtime: { ...none, ...counts }, scan: none });

describe('what needs action', () => {
  it('is nothing for a checked, healthy app-environment with only medium and low findings', () => {
    expect(attentionOf(row({ vulnerabilities: runtime({ medium: 3, low: 1 }) }), now, staleAfter)).toEqual({
      urgency: 0,
      reasons: [],
    });
  });

  it('names the exposure with the critical and high findings that run', () => {
    expect(
      attentionOf(row({ internet_facing: true, vulnerabilities: runtime({ critical: 2 }) }), now, staleAfter),
    ).toEqual({ urgency: 100, reasons: ['internet-facing, 2 critical'] });
    expect(
      attentionOf(
        row({ internet_facing: true, handles_pii: true, vulnerabilities: runtime({ critical: 1, high: 3 }) }),
        now,
        staleAfter,
      ).reasons,
    ).toEqual(['internet-facing, handles PII, 1 critical, 3 high']);
    expect(attentionOf(row({ vulnerabilities: runtime({ high: 1 }) }), now, staleAfter)).toEqual({
      urgency: 60,
      reasons: ['1 high'],
    });
  });

  it('ranks what runs exposed above what is internal, and the runtime above scans', () => {
    const urgency = (overrides: Partial<AttentionRow>) =>
      attentionOf(row(overrides), now, staleAfter).urgency;
    const ordered = [
      urgency({ internet_facing: true, vulnerabilities: runtime({ critical: 1 }) }),
      urgency({ internet_facing: true, vulnerabilities: runtime({ high: 1 }) }),
      urgency({ handles_pii: true, vulnerabilities: runtime({ critical: 1 }) }),
      urgency({ vulnerabilities: runtime({ critical: 1 }) }),
      urgency({ vulnerabilities: runtime({ high: 1 }) }),
      urgency({ internet_facing: true, vulnerabilities: { runtime: none, scan: { ...none, high: 1 } } }),
      urgency({ vulnerabilities: { runtime: none, scan: { ...none, critical: 1 } } }),
      urgency({ last_seen: hoursAgo(5) }),
      urgency({ internet_facing: true, last_scanned_at: null }),
      urgency({ last_scanned_at: null }),
      urgency({}),
    ];
    expect(ordered).toEqual([...ordered].sort((a, b) => b - a));
    expect(new Set(ordered).size).toBe(ordered.length);
  });

  it('says when the code is not being checked: never scanned, or not for a week', () => {
    expect(
      attentionOf(row({ internet_facing: true, last_scanned_at: null }), now, staleAfter).reasons,
    ).toEqual(['internet-facing and never scanned']);
    expect(attentionOf(row({ last_scanned_at: hoursAgo(9 * 24 + 2) }), now, staleAfter).reasons).toEqual([
      'not scanned for 9 days',
    ]);
    expect(attentionOf(row({ last_scanned_at: hoursAgo(6 * 24) }), now, staleAfter).reasons).toEqual([]);
  });

  it('says when every instance fell silent, from the last heartbeat of any', () => {
    expect(
      attentionOf(
        row({ instances: { running: 0, stale: 3, stopped: 0 }, last_seen: hoursAgo(5) }),
        now,
        staleAfter,
      ).reasons,
    ).toEqual(['every instance silent for 5 hours']);
    // The summary may predate the silence: the last heartbeat tells.
    expect(attentionOf(row({ last_seen: hoursAgo(4) }), now, staleAfter).reasons).toEqual([
      'every instance silent for 4 hours',
    ]);
    // Instances that all stopped said goodbye: nothing is silent.
    expect(
      attentionOf(
        row({ instances: { running: 0, stale: 0, stopped: 2 }, last_seen: hoursAgo(30) }),
        now,
        staleAfter,
      ).reasons,
    ).toEqual([]);
  });

  it('lists every reason, most urgent first', () => {
    expect(
      attentionOf(
        row({
          internet_facing: true,
          vulnerabilities: { runtime: { ...none, critical: 2 }, scan: { ...none, high: 4 } },
          last_seen: hoursAgo(50),
          last_scanned_at: null,
        }),
        now,
        staleAfter,
      ),
    ).toEqual({
      urgency: 100,
      reasons: [
        'internet-facing, 2 critical',
        '4 high in the latest scans',
        'every instance silent for 2 days',
        'internet-facing and never scanned',
      ],
    });
  });
});

describe('durations in words', () => {
  it('counts hours up to two days, then days', () => {
    expect(durationInWords(59 * 60)).toBe('1 hour');
    expect(durationInWords(5 * 3600 + 59 * 60)).toBe('5 hours');
    expect(durationInWords(47 * 3600)).toBe('47 hours');
    expect(durationInWords(48 * 3600)).toBe('2 days');
    expect(durationInWords(9.5 * 24 * 3600)).toBe('9 days');
  });
});

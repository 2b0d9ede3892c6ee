import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type DeadLetter, deadLetterTable, formatAge } from '../../infra/cli/dead-letters.ts';
import { workFailureItem, workFailureKeepSeconds } from '../../shared/entities/work-failure.ts';
import { describeFailure, maxReasonLength } from '../../shared/work-failure.ts';

const secret = 'PAYLOAD-SECRET-7f3a';

const thrownBy = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
};

describe('describeFailure', () => {
  it('sums up a schema failure by field, without the values that failed it', () => {
    const schema = z.object({
      org: z.string().regex(/^[a-z]+$/),
      received_at: z.iso.datetime(),
      heartbeat: z.object({ deps: z.array(z.object({ version: z.string() })) }),
    });
    const failure = describeFailure(
      thrownBy(() =>
        schema.parse({ org: secret, received_at: secret, heartbeat: { deps: [{ version: 7 }] } }),
      ),
    );
    expect(failure.error).toBe('ZodError');
    expect(failure.reason).toContain('received_at: Invalid ISO datetime');
    expect(failure.reason).toContain('heartbeat.deps[0].version: Invalid input: expected string');
    expect(failure.reason).not.toContain(secret);
  });

  it('names how many more issues a schema failure had beyond the first three', () => {
    const schema = z.object({ a: z.string(), b: z.string(), c: z.string(), d: z.string(), e: z.string() });
    expect(describeFailure(thrownBy(() => schema.parse({}))).reason).toMatch(/^a: .*; c: [^;]*; 2 more$/);
  });

  it('never repeats the text JSON.parse quotes in its message', () => {
    const failure = describeFailure(thrownBy(() => JSON.parse(`{"org": ${secret}`)));
    expect(failure.error).toBe('SyntaxError');
    expect(failure.reason).not.toContain(secret);
  });

  it('keeps other errors’ class and message, on one line and cut to a readable length', () => {
    class NoSuchKey extends Error {
      override name = 'NoSuchKey';
    }
    expect(describeFailure(new NoSuchKey('The specified key\ndoes not exist.'))).toEqual({
      error: 'NoSuchKey',
      reason: 'The specified key does not exist.',
    });
    const long = describeFailure(new Error('x'.repeat(5000)));
    expect(long.reason).toHaveLength(maxReasonLength);
    expect(long.reason.endsWith('…')).toBe(true);
  });

  it('says so when what was thrown is no Error, without showing it', () => {
    expect(describeFailure(secret)).toEqual({
      error: 'string',
      reason: 'a value that is not an Error was thrown',
    });
  });
});

describe('the kept failure', () => {
  it('is keyed by its message id and expires a day after the dead-letter queue lets go of it', () => {
    const item = workFailureItem({
      message_id: 'm-1',
      kind: 'summary',
      error: 'Error',
      reason: 'SES refused',
      receive_count: 5,
      failed_at: '2026-12-01T00:00:00.000Z',
    });
    expect(item).toMatchObject({ pk: 'FAILURE#m-1', sk: 'FAILURE', kind: 'summary' });
    expect(item.expires_at).toBe(Date.parse('2026-12-01T00:00:00Z') / 1000 + workFailureKeepSeconds);
    expect(workFailureKeepSeconds).toBe(15 * 24 * 3600);
  });
});

describe('the dead-letter listing', () => {
  it('says ages in the unit that matters', () => {
    expect([45e3, 12 * 60e3, (3 * 60 + 5) * 60e3, (2 * 24 + 4) * 3600e3, -5].map(formatAge)).toEqual([
      '45s',
      '12m',
      '3h 5m',
      '2d 4h',
      '0s',
    ]);
  });

  it('aligns one row per dead letter under a header, with a dash where no failure was kept', () => {
    const letters: DeadLetter[] = [
      {
        message_id: 'a1',
        kind: 'heartbeat',
        receive_count: 6,
        sent_at: '2026-12-01T10:00:00.000Z',
        last_failure: {
          message_id: 'a1',
          kind: 'heartbeat',
          error: 'NoSuchKey',
          reason: 'The specified key does not exist.',
          receive_count: 5,
          failed_at: '2026-12-01T10:05:00.000Z',
        },
      },
      {
        message_id: 'b2',
        kind: undefined,
        receive_count: 12,
        sent_at: '2026-12-01T11:00:00.000Z',
        last_failure: undefined,
      },
    ];
    expect(deadLetterTable(letters, new Date('2026-12-01T12:00:00Z'))).toEqual([
      'MESSAGE ID  KIND       RECEIVES  AGE    LAST ERROR',
      'a1          heartbeat  6         2h 0m  NoSuchKey: The specified key does not exist.',
      'b2          ?          12        1h 0m  -',
    ]);
  });
});

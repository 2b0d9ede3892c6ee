import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { acceptHeartbeat, heartbeatSchema } from '../../shared/heartbeat.ts';
import { parseOrThrow } from '../../shared/validation.ts';
import { heartbeat } from '../support/fixtures.ts';

function rejection(input: unknown): { field: string; reason: string } {
  try {
    parseOrThrow(heartbeatSchema, input);
  } catch (error) {
    if (error instanceof ValidationError) return { field: error.field, reason: error.reason };
    throw error;
  }
  throw new Error('accepted');
}

describe('heartbeat schema', () => {
  it('accepts the documented example and drops unknown fields', () => {
    const parsed = parseOrThrow(heartbeatSchema, { ...heartbeat(), surprise: 'x' });
    expect(parsed.app).toBe('billing');
    expect(parsed).not.toHaveProperty('surprise');
  });

  it.each([
    [{ app: undefined }, 'app', 'is required'],
    [{ app: 'Billing' }, 'app', 'must be 1-64 characters'],
    [{ environment: 'x'.repeat(65) }, 'environment', ''],
    [{ instance: '' }, 'instance', ''],
    [{ instance: 'a\u0000b' }, 'instance', 'printable'],
    [{ sent_at: 'yesterday' }, 'sent_at', 'RFC 3339'],
    [{ urls: ['ftp://example.com'] }, 'urls[0]', 'http or https'],
    [{ urls: ['javascript:alert(1)'] }, 'urls[0]', 'http or https'],
    [{ deps: [{ name: 'Plug', version: '1.0.0' }] }, 'deps[0].name', 'OTP application name'],
    [{ deps: [{ name: 'plug', version: '1.000000000000000.0' }] }, 'deps[0].version', '14 digits'],
    [{ deps: [{ name: 'plug', version: '' }] }, 'deps[0].version', ''],
    [
      {
        deps: [
          { name: 'plug', version: '1.0.0' },
          { name: 'plug', version: '1.0.1' },
        ],
      },
      'deps[1].name',
      'more than once',
    ],
    [{ deps: Array.from({ length: 5001 }, (_, i) => ({ name: `p${i}`, version: '1.0.0' })) }, 'deps', ''],
    [{ internet_facing: 'yes' }, 'internet_facing', ''],
    [{ git_sha: 'not-a-sha' }, 'git_sha', 'hexadecimal'],
  ])('rejects %j naming %s', (override, field, reason) => {
    const result = rejection({ ...heartbeat(), ...override });
    expect(result.field).toBe(field);
    expect(result.reason).toContain(reason);
  });

  it('names the body when it is not an object', () => {
    expect(rejection([1, 2]).field).toBe('body');
  });
});

describe('sent_at', () => {
  const sentAt = (value: string) => parseOrThrow(heartbeatSchema, heartbeat({ sent_at: value })).sent_at;

  it('is stored as the instant it names, in UTC with milliseconds', () => {
    expect(sentAt('2026-12-01T10:00:00Z')).toBe('2026-12-01T10:00:00.000Z');
    expect(sentAt('2026-12-01T12:00:00+02:00')).toBe('2026-12-01T10:00:00.000Z');
    expect(sentAt('2026-12-01T05:30:00.5-04:30')).toBe('2026-12-01T10:00:00.500Z');
    expect(sentAt('2026-12-01t10:00:00.123456z')).toBe('2026-12-01T10:00:00.123Z');
  });

  it('so that comparing the stored text compares the instants', () => {
    expect(sentAt('2026-12-01T10:00:00.500Z') > sentAt('2026-12-01T10:00:00Z')).toBe(true);
    expect(sentAt('2026-12-01T12:00:00+02:00')).toBe(sentAt('2026-12-01T10:00:00Z'));
    expect(sentAt('2026-12-01T10:59:00+01:00') < sentAt('2026-12-01T10:00:00.001Z')).toBe(true);
  });

  it('must name a date that exists', () => {
    expect(rejection(heartbeat({ sent_at: '2026-02-30T10:00:00Z' }))).toMatchObject({ field: 'sent_at' });
  });

  it('is refused more than 5 minutes ahead of the server, which would hold the instance until then', () => {
    const receivedAt = new Date('2026-12-01T10:00:00Z');
    expect(acceptHeartbeat(heartbeat({ sent_at: '2026-12-01T10:05:00Z' }), receivedAt).sent_at).toBe(
      '2026-12-01T10:05:00.000Z',
    );
    expect(() => acceptHeartbeat(heartbeat({ sent_at: '2026-12-01T10:05:00.001Z' }), receivedAt)).toThrow(
      expect.objectContaining({ field: 'sent_at', reason: expect.stringContaining('ahead') }),
    );
    expect(() => acceptHeartbeat(heartbeat({ sent_at: '2026-12-01T12:06:00+02:00' }), receivedAt)).toThrow(
      ValidationError,
    );
  });

  it('accepts a goodbye', () => {
    expect(parseOrThrow(heartbeatSchema, heartbeat({ stopping: true })).stopping).toBe(true);
    expect(rejection({ ...heartbeat(), stopping: 'yes' })).toMatchObject({ field: 'stopping' });
  });
});

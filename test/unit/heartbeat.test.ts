import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { heartbeatSchema } from '../../shared/heartbeat.ts';
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

import { describe, expect, it } from 'vitest';
import {
  type ApiKeyRecord,
  authorize,
  bearerKey,
  generateApiKey,
  hashApiKey,
} from '../../shared/api-keys.ts';
import { ForbiddenError, UnauthorizedError } from '../../shared/errors.ts';

const record = (scope: ApiKeyRecord['scope'], revoked?: string): ApiKeyRecord => ({
  hash: 'h',
  prefix: 'abcd1234',
  org: 'acme',
  scope,
  created_at: '2026-11-29T00:00:00Z',
  revoked_at: revoked,
});

describe('API keys', () => {
  it('generates distinct keys whose hash is all that identifies them', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key.startsWith(`mk_${a.prefix}_`)).toBe(true);
    expect(a.hash).toBe(hashApiKey(a.key));
    expect(a.hash).not.toContain(a.key.slice(12));
  });

  it('reads a bearer key and refuses anything else without a lookup', () => {
    const { key } = generateApiKey();
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    expect(() => bearerKey(undefined)).toThrow(UnauthorizedError);
    expect(() => bearerKey(`Basic ${key}`)).toThrow(UnauthorizedError);
    expect(() => bearerKey('Bearer not-a-key')).toThrow(UnauthorizedError);
  });

  it('lets each scope open only its own routes, and an admin key read', () => {
    expect(authorize(record('ingest'), 'ingest').org).toBe('acme');
    expect(authorize(record('admin'), 'read').scope).toBe('admin');
    expect(() => authorize(record('ingest'), 'read')).toThrow(ForbiddenError);
    expect(() => authorize(record('read'), 'ingest')).toThrow(ForbiddenError);
    expect(() => authorize(record('admin'), 'ingest')).toThrow(ForbiddenError);
  });

  it('treats unknown and revoked keys alike', () => {
    expect(() => authorize(undefined, 'read')).toThrow(UnauthorizedError);
    expect(() => authorize(record('read', '2026-11-29T01:00:00Z'), 'read')).toThrow(UnauthorizedError);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from './errors.ts';

/**
 * API keys: `mk_<prefix>_<secret>`. Only the SHA-256 of the whole key is stored; the short prefix is
 * kept in clear so that people can tell keys apart in listings. A key carries 256 random bits, so a
 * fast hash is enough: there is nothing to brute-force that a slow hash would protect.
 */

export const scopes = ['ingest', 'ci', 'read', 'admin'] as const;
export type Scope = (typeof scopes)[number];

export const organizationPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const keyPattern = /^mk_([a-z0-9]{8})_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  /** The key itself, shown once to its creator and never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(5).toString('hex').slice(0, 8);
  const key = `mk_${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * The key in an `Authorization: Bearer` header, or an UnauthorizedError when it cannot be one. A
 * request that sends the header twice reaches a function with both values joined by a comma, as API
 * Gateway joins repeated headers: it carries two credentials and is refused, whichever is valid.
 */
export function bearerKey(authorization: string | undefined): string {
  if (authorization?.includes(','))
    throw new UnauthorizedError('Authorization must carry one credential, not several');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new UnauthorizedError('Authorization: Bearer <api key> is required');
  return knownKeyFormat(match[1]!);
}

/** The key, or an UnauthorizedError when it does not have a key's form (and so cannot be one). */
export function knownKeyFormat(key: string): string {
  if (!keyPattern.test(key)) throw new UnauthorizedError('unknown API key');
  return key;
}

export interface ApiKeyRecord {
  hash: string;
  prefix: string;
  org: string;
  scope: Scope;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

/** An admin key may also read; every other scope opens only its own routes. */
export function authorize(record: ApiKeyRecord | undefined, required: Scope): ApiKeyRecord {
  if (!record || record.revoked_at) throw new UnauthorizedError('unknown API key');
  if (record.scope === required || (record.scope === 'admin' && required === 'read')) return record;
  throw new ForbiddenError(
    `this route needs a key with scope ${required}; this key has scope ${record.scope}`,
  );
}

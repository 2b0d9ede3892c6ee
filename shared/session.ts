import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, Scope } from './api-keys.ts';

/**
 * Dashboard sessions. Signing in exchanges a read or admin key for a random session token, which the
 * browser holds only in an HttpOnly cookie: the key itself never sits in the page, its URL or its
 * storage. Only the token's SHA-256 is stored; like a key it carries 256 random bits. A session lives
 * while it is used: it ends after 12 hours idle, after 7 days whatever the use, when its key is revoked,
 * or at sign-out.
 */
export const sessionPolicy = {
  idleSeconds: 12 * 3600,
  maxSeconds: 7 * 24 * 3600,
  /** How often use is recorded: a session's activity is a write at most this often, not per request. */
  touchSeconds: 300,
} as const;

/** The scopes that may sign in to the dashboard. */
export const sessionScopes: readonly Scope[] = ['read', 'admin'];

export interface SessionRecord {
  /** SHA-256 of the session token. */
  hash: string;
  org: string;
  scope: Scope;
  /** The key signed in with; its revocation ends the session. */
  key_hash: string;
  /**
   * Sent back by the dashboard in `X-CSRF-Token` on every change. SameSite=Strict already keeps the
   * cookie off cross-site requests; the token also stops a request forged from a sibling subdomain,
   * which counts as same-site.
   */
  csrf_token: string;
  created_at: string;
  active_at: string;
}

export interface NewSession {
  /** The cookie's value, never stored. */
  token: string;
  record: SessionRecord;
}

const tokenPattern = /^ms_[A-Za-z0-9_-]{43}$/;

export const hashSessionToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function newSession(key: ApiKeyRecord, now: Date): NewSession {
  const token = `ms_${randomBytes(32).toString('base64url')}`;
  const at = now.toISOString();
  return {
    token,
    record: {
      hash: hashSessionToken(token),
      org: key.org,
      scope: key.scope,
      key_hash: key.hash,
      csrf_token: randomBytes(32).toString('base64url'),
      created_at: at,
      active_at: at,
    },
  };
}

/**
 * The cookie's name: with Secure, the `__Host-` prefix makes browsers refuse it unless it was set
 * over HTTPS by this very host for the whole site, so no sibling domain can plant one.
 */
export const sessionCookieName = (secure: boolean): string =>
  secure ? '__Host-muster_session' : 'muster_session';

/** Set-Cookie for a new session: no Max-Age, so it also ends with the browser; the server keeps time. */
export function sessionCookie(token: string, secure: boolean): string {
  return `${sessionCookieName(secure)}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** The session token among a request's cookies (API Gateway's `cookies`, one `name=value` each). */
export function sessionTokenOf(cookies: readonly string[] | undefined, secure: boolean): string | undefined {
  const prefix = `${sessionCookieName(secure)}=`;
  for (const pair of (cookies ?? []).flatMap((cookie) => cookie.split(';'))) {
    const trimmed = pair.trim();
    if (!trimmed.startsWith(prefix)) continue;
    const token = trimmed.slice(prefix.length);
    if (tokenPattern.test(token)) return token;
  }
  return undefined;
}

const secondsSince = (at: string, now: Date): number => (now.getTime() - Date.parse(at)) / 1000;

/** Whether a session may still be used: not idle too long, not too old. */
export function sessionLive(record: Pick<SessionRecord, 'created_at' | 'active_at'>, now: Date): boolean {
  return (
    secondsSince(record.active_at, now) < sessionPolicy.idleSeconds &&
    secondsSince(record.created_at, now) < sessionPolicy.maxSeconds
  );
}

/** Whether this use should be recorded, moving the idle deadline on. */
export const sessionNeedsTouch = (record: Pick<SessionRecord, 'active_at'>, now: Date): boolean =>
  secondsSince(record.active_at, now) >= sessionPolicy.touchSeconds;

/** When the table may delete the session: when it would have gone idle, or reached its age, if sooner. */
export function sessionExpiresAt(record: Pick<SessionRecord, 'created_at' | 'active_at'>): number {
  const idle = Date.parse(record.active_at) / 1000 + sessionPolicy.idleSeconds;
  const max = Date.parse(record.created_at) / 1000 + sessionPolicy.maxSeconds;
  return Math.ceil(Math.min(idle, max));
}

/** Compares the CSRF token a request carries with its session's, in constant time. */
export function csrfTokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Methods that change nothing, which need no CSRF token. */
export const safeMethod = (method: string): boolean => method === 'GET' || method === 'HEAD';

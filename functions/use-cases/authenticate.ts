import { type ApiKeyRecord, authorize, bearerKey, hashApiKey, type Scope } from '../../shared/api-keys.ts';
import { CsrfError, UnauthorizedError } from '../../shared/errors.ts';
import { KeyRateLimiter } from '../../shared/rate-limit.ts';
import {
  csrfTokenMatches,
  hashSessionToken,
  type SessionRecord,
  safeMethod,
  sessionLive,
  sessionNeedsTouch,
  sessionTokenOf,
} from '../../shared/session.ts';
import { config } from '../lib/config.ts';
import { type HttpEvent, header } from '../lib/http.ts';
import { readApiKey, recordKeyUse } from '../stores/api-key-store.ts';
import { readSession, touchSession } from '../stores/session-store.ts';

const rateLimiter = new KeyRateLimiter();

/** Lets a known key's request through its rate (429) and records the key's use. */
export async function admitKey(record: ApiKeyRecord): Promise<ApiKeyRecord> {
  rateLimiter.take(record.hash, record.scope, Date.now());
  await recordKeyUse(record);
  return record;
}

/**
 * The live dashboard session whose cookie a request carries, or 401: one that is not idle or too old,
 * and whose key is still valid (a revoked key ends its sessions).
 */
export async function sessionOf(
  event: HttpEvent,
  now: Date,
): Promise<{ session: SessionRecord; key: ApiKeyRecord }> {
  const token = sessionTokenOf(event.cookies, config.SESSION_COOKIE_SECURE);
  const session = token === undefined ? undefined : await readSession(hashSessionToken(token));
  if (!session || !sessionLive(session, now))
    throw new UnauthorizedError('the session has ended; sign in again');
  const key = await readApiKey(session.key_hash);
  if (!key || key.revoked_at) throw new UnauthorizedError('the session has ended; sign in again');
  return { session, key };
}

/** A session's change must name its CSRF token (403 otherwise). */
export function checkCsrf(event: HttpEvent, session: SessionRecord): void {
  if (safeMethod(event.requestContext.http.method)) return;
  if (!csrfTokenMatches(session.csrf_token, header(event, 'x-csrf-token'))) {
    throw new CsrfError('a change made from a dashboard session needs its X-CSRF-Token header');
  }
}

/**
 * Who makes a request, checked against the scope its route needs (401, 403) and its key's rate (429):
 * the API key of `Authorization: Bearer`, or, without one, the dashboard session of the request's
 * cookie, which stands for the key it was signed in with (so the key's revocation ends it).
 */
export async function authenticate(event: HttpEvent, scope: Scope): Promise<ApiKeyRecord> {
  const authorization = header(event, 'authorization');
  if (
    authorization !== undefined ||
    sessionTokenOf(event.cookies, config.SESSION_COOKIE_SECURE) === undefined
  ) {
    return admitKey(authorize(await readApiKey(hashApiKey(bearerKey(authorization))), scope));
  }
  const now = new Date();
  const { session, key } = await sessionOf(event, now);
  checkCsrf(event, session);
  await admitKey(authorize(key, scope));
  if (sessionNeedsTouch(session, now)) await touchSession(session, now);
  return key;
}

import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../shared/api-keys.ts';
import {
  clearedSessionCookie,
  csrfTokenMatches,
  hashSessionToken,
  newSession,
  sessionCookie,
  sessionExpiresAt,
  sessionLive,
  sessionNeedsTouch,
  sessionTokenOf,
} from '../../shared/session.ts';

const key: ApiKeyRecord = {
  hash: 'k'.repeat(64),
  prefix: 'abcdefgh',
  org: 'acme',
  scope: 'admin',
  created_at: '2026-12-01T00:00:00.000Z',
};
const now = new Date('2026-12-05T12:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

describe('a new session', () => {
  it('stands for its key, keeps only its token’s hash, and carries its own CSRF token', () => {
    const { token, record } = newSession(key, now);
    expect(token).toMatch(/^ms_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({
      org: 'acme',
      scope: 'admin',
      key_hash: key.hash,
      created_at: now.toISOString(),
    });
    expect(record.hash).toBe(hashSessionToken(token));
    expect(JSON.stringify(record)).not.toContain(token);
    expect(record.csrf_token).not.toBe(newSession(key, now).record.csrf_token);
  });
});

describe('the session cookie', () => {
  it('is HttpOnly and SameSite=Strict, Secure with the __Host- prefix outside the local mode', () => {
    expect(sessionCookie('ms_x', true)).toBe(
      '__Host-muster_session=ms_x; Path=/; HttpOnly; SameSite=Strict; Secure',
    );
    expect(sessionCookie('ms_x', false)).toBe('muster_session=ms_x; Path=/; HttpOnly; SameSite=Strict');
    expect(clearedSessionCookie(false)).toContain('Max-Age=0');
  });

  it('is found among the request’s cookies by name and form only', () => {
    const { token } = newSession(key, now);
    expect(sessionTokenOf(['theme=dark', `__Host-muster_session=${token}`], true)).toBe(token);
    expect(sessionTokenOf([`theme=dark; muster_session=${token}`], false)).toBe(token);
    expect(sessionTokenOf([`muster_session=${token}`], true)).toBeUndefined();
    expect(sessionTokenOf(['__Host-muster_session=ms_short'], true)).toBeUndefined();
    expect(sessionTokenOf(undefined, true)).toBeUndefined();
  });
});

describe('a session’s life', () => {
  const { record } = newSession(key, now);

  it('ends after 12 hours idle', () => {
    expect(sessionLive({ ...record, active_at: now.toISOString() }, later(12 * 3600 - 1))).toBe(true);
    expect(sessionLive(record, later(12 * 3600))).toBe(false);
  });

  it('ends after 7 days however busy', () => {
    const busy = { ...record, active_at: later(7 * 24 * 3600 - 60).toISOString() };
    expect(sessionLive(busy, later(7 * 24 * 3600 - 1))).toBe(true);
    expect(sessionLive(busy, later(7 * 24 * 3600))).toBe(false);
  });

  it('records use at most every 5 minutes', () => {
    expect(sessionNeedsTouch(record, later(299))).toBe(false);
    expect(sessionNeedsTouch(record, later(300))).toBe(true);
  });

  it('is deleted by TTL at its idle deadline, or at its age limit when sooner', () => {
    expect(sessionExpiresAt(record)).toBe(now.getTime() / 1000 + 12 * 3600);
    const old = { ...record, active_at: later(7 * 24 * 3600 - 3600).toISOString() };
    expect(sessionExpiresAt(old)).toBe(now.getTime() / 1000 + 7 * 24 * 3600);
  });
});

describe('CSRF tokens', () => {
  it('match only exactly', () => {
    expect(csrfTokenMatches('abc', 'abc')).toBe(true);
    expect(csrfTokenMatches('abc', 'abd')).toBe(false);
    expect(csrfTokenMatches('abc', 'ab')).toBe(false);
    expect(csrfTokenMatches('abc', undefined)).toBe(false);
  });
});

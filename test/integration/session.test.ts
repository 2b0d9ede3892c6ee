import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A revoked key must end its sessions within this long, as it stops its own requests.
process.env.KEY_CACHE_SECONDS = '1';
const { startGateway } = await import('../../infra/local/gateway.ts');
const { createApiKey, revokeApiKey } = await import('../../functions/stores/api-key-store.ts');
const { documents } = await import('../../functions/lib/dynamodb.ts');
const { sessionKey } = await import('../../shared/entities/session.ts');
const { hashSessionToken } = await import('../../shared/session.ts');
const { uniqueOrg } = await import('../support/fixtures.ts');
const { keyFor } = await import('../support/local-services.ts');

/** Dashboard sessions through the local gateway, with the Secure cookie that AWS deployments set. */

type Gateway = Awaited<ReturnType<typeof startGateway>>;
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(0);
});
afterAll(() => gateway.close());

interface Signed {
  cookie: string;
  token: string;
  csrf: string;
  setCookie: string;
}

async function signIn(key: string): Promise<Signed> {
  const response = await fetch(`${gateway.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  expect(response.status).toBe(201);
  const setCookie = response.headers.getSetCookie()[0]!;
  const cookie = setCookie.split(';')[0]!;
  const body = (await response.json()) as { csrf_token: string };
  return { cookie, token: cookie.slice(cookie.indexOf('=') + 1), csrf: body.csrf_token, setCookie };
}

const request = (path: string, init: RequestInit & { cookie?: string; csrf?: string } = {}) => {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.cookie) headers.cookie = init.cookie;
  if (init.csrf) headers['x-csrf-token'] = init.csrf;
  if (init.body) headers['content-type'] = 'application/json';
  return fetch(`${gateway.url}${path}`, { ...init, headers });
};

const errorOf = async (response: Response) =>
  ((await response.json()) as { error: Record<string, string> }).error;

describe('signing in to the dashboard', () => {
  it('exchanges a read key for an HttpOnly, SameSite=Strict, Secure __Host- cookie that the read routes accept', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const response = await fetch(`${gateway.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key }),
    });
    expect(response.status).toBe(201);
    const text = await response.text();
    expect(text).not.toContain(key);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ org, scope: 'read', idle_timeout_seconds: 12 * 3600 });
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [setCookie] = response.headers.getSetCookie();
    expect(setCookie).toMatch(/^__Host-muster_session=ms_[A-Za-z0-9_-]{43}; /);
    expect(setCookie?.split('; ').slice(1).sort()).toEqual([
      'HttpOnly',
      'Path=/',
      'SameSite=Strict',
      'Secure',
    ]);
    const cookie = setCookie!.split(';')[0]!;

    const apps = await request('/v1/apps', { cookie });
    expect(apps.status).toBe(200);
    expect(((await apps.json()) as { apps: unknown[] }).apps).toEqual([]);
    const session = await request('/v1/session', { cookie });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ org, scope: 'read', csrf_token: body.csrf_token });
  });

  it('stores only the hash of the session token', async () => {
    const { token } = await signIn(await keyFor(uniqueOrg(), 'read'));
    const { Item } = await documents.send(
      new GetCommand({ TableName: 'muster', Key: sessionKey(hashSessionToken(token)) }),
    );
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(token);
  });

  it('refuses ingest and ci keys (403), unknown keys (401) and bad bodies (400, 415)', async () => {
    const org = uniqueOrg();
    for (const scope of ['ingest', 'ci'] as const) {
      const response = await request('/v1/session', {
        method: 'POST',
        body: JSON.stringify({ key: await keyFor(org, scope) }),
      });
      expect(response.status).toBe(403);
      expect((await errorOf(response)).message).toContain('read or admin key');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    const unknown = await request('/v1/session', {
      method: 'POST',
      body: JSON.stringify({ key: `mk_abcdefgh_${'A'.repeat(43)}` }),
    });
    expect(unknown.status).toBe(401);
    const malformed = await request('/v1/session', { method: 'POST', body: JSON.stringify({ key: 'x' }) });
    expect(malformed.status).toBe(401);
    const missing = await request('/v1/session', { method: 'POST', body: JSON.stringify({}) });
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatchObject({ field: 'key', reason: 'is required' });
    const form = await fetch(`${gateway.url}/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=x',
    });
    expect(form.status).toBe(415);
  });

  it('answers 401 without a live session, and to a forged or unknown cookie', async () => {
    expect((await request('/v1/session')).status).toBe(401);
    expect(
      (await request('/v1/session', { cookie: `__Host-muster_session=ms_${'A'.repeat(43)}` })).status,
    ).toBe(401);
    expect((await request('/v1/apps', { cookie: `__Host-muster_session=ms_${'A'.repeat(43)}` })).status).toBe(
      401,
    );
    expect((await request('/v1/apps', { cookie: 'muster_session=garbage' })).status).toBe(401);
  });
});

describe('changes made from a session', () => {
  it('need the session’s X-CSRF-Token (403 csrf without it or with another), and the key’s scope', async () => {
    const org = uniqueOrg();
    const admin = await signIn(await keyFor(org, 'admin'));
    const change = (signed: Signed, csrf?: string) =>
      request('/v1/apps/storefront', {
        method: 'PATCH',
        cookie: signed.cookie,
        csrf,
        body: JSON.stringify({ default_branch: 'trunk' }),
      });
    const without = await change(admin);
    expect(without.status).toBe(403);
    expect((await errorOf(without)).code).toBe('csrf');
    const other = await signIn(await keyFor(org, 'admin'));
    expect((await change(admin, other.csrf)).status).toBe(403);
    const made = await change(admin, admin.csrf);
    expect(made.status).toBe(200);
    expect(await made.json()).toMatchObject({ app: 'storefront', default_branch: 'trunk' });

    const reader = await signIn(await keyFor(org, 'read'));
    const refused = await change(reader, reader.csrf);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe('forbidden');
  });

  it('keep one organization’s session out of another’s app-environments', async () => {
    const mine = await signIn(await keyFor(uniqueOrg(), 'admin'));
    const response = await request('/v1/apps/storefront', {
      method: 'PATCH',
      cookie: mine.cookie,
      csrf: mine.csrf,
      body: JSON.stringify({ default_branch: 'trunk' }),
    });
    expect(response.status).toBe(200);
    const theirs = await signIn(await keyFor(uniqueOrg(), 'read'));
    const read = await request('/v1/apps/storefront/prod', { cookie: theirs.cookie });
    expect(read.status).toBe(404);
  });
});

describe('the end of a session', () => {
  it('signs out: the cookie is cleared and the old cookie gets 401 everywhere', async () => {
    const signed = await signIn(await keyFor(uniqueOrg(), 'read'));
    const refused = await request('/v1/session', { method: 'DELETE', cookie: signed.cookie });
    expect(refused.status).toBe(403);
    const out = await request('/v1/session', { method: 'DELETE', cookie: signed.cookie, csrf: signed.csrf });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()).toEqual([
      '__Host-muster_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    ]);
    expect((await request('/v1/session', { cookie: signed.cookie })).status).toBe(401);
    expect((await request('/v1/apps', { cookie: signed.cookie })).status).toBe(401);
    // Signing out again, or without a session, only clears the cookie.
    expect((await request('/v1/session', { method: 'DELETE', cookie: signed.cookie })).status).toBe(204);
  });

  it('ends after 12 hours idle, and moves the idle deadline on when used', async () => {
    const signed = await signIn(await keyFor(uniqueOrg(), 'read'));
    const key = sessionKey(hashSessionToken(signed.token));
    const activeAt = async (hoursAgo: number) => {
      const at = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
      await documents.send(
        new UpdateCommand({
          TableName: 'muster',
          Key: key,
          UpdateExpression: 'SET active_at = :at',
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      return at;
    };
    const before = await activeAt(11.9);
    expect((await request('/v1/apps', { cookie: signed.cookie })).status).toBe(200);
    const { Item } = await documents.send(new GetCommand({ TableName: 'muster', Key: key }));
    expect(Item?.active_at > before).toBe(true);
    expect(Item?.expires_at).toBeGreaterThan(Date.now() / 1000 + 11.9 * 3600);

    await activeAt(12.1);
    expect((await request('/v1/apps', { cookie: signed.cookie })).status).toBe(401);
  });

  it('ends when its key is revoked', async () => {
    const org = uniqueOrg();
    const { key, record } = await createApiKey(org, 'read');
    const signed = await signIn(key);
    expect((await request('/v1/apps', { cookie: signed.cookie })).status).toBe(200);
    await revokeApiKey(org, record.prefix);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await request('/v1/apps', { cookie: signed.cookie })).status).toBe(401);
    // The dashboard asks this on load: it must not show a signed-in page for a revoked key.
    expect((await request('/v1/session', { cookie: signed.cookie })).status).toBe(401);
  });

  it('lets an Authorization header win over a cookie, as the CLI sends one', async () => {
    const org = uniqueOrg();
    const signed = await signIn(await keyFor(org, 'read'));
    const response = await request('/v1/apps', {
      cookie: signed.cookie,
      headers: { authorization: 'Bearer not-a-key' },
    });
    expect(response.status).toBe(401);
  });
});

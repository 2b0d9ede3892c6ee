import { describe, expect, it } from 'vitest';
import { bodyOf, context, httpEvent } from '../support/events.ts';
import { uniqueOrg } from '../support/fixtures.ts';

// A short cache, set before the functions load, so that the test sees revocation take effect.
process.env.KEY_CACHE_SECONDS = '1';
const { handler: apps } = await import('../../functions/apps.ts');
const { createApiKey, listApiKeys, revokeApiKey } = await import('../../functions/stores/api-key-store.ts');
const { keyRateLimits } = await import('../../shared/rate-limit.ts');

const listApps = (key: string) => apps(httpEvent({ path: '/v1/apps', key }), context);

describe('API keys over their life', () => {
  it('are listed without the key, with when they were last used', async () => {
    const org = uniqueOrg();
    const { key, record } = await createApiKey(org, 'read');
    expect((await listApps(key)).statusCode).toBe(200);
    const [listed] = await listApiKeys(org);
    expect(listed).toMatchObject({ prefix: record.prefix, scope: 'read', last_used_at: expect.any(String) });
    expect(JSON.stringify(listed)).not.toContain(key);
  });

  it('stop working once revoked, within the cache time', async () => {
    const org = uniqueOrg();
    const { key, record } = await createApiKey(org, 'read');
    expect((await listApps(key)).statusCode).toBe(200);
    expect(await revokeApiKey(org, record.prefix)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await listApps(key);
    expect(refused.statusCode).toBe(401);
    expect(await revokeApiKey(org, 'nosuchkey')).toBe(false);
    expect(await revokeApiKey(uniqueOrg(), record.prefix)).toBe(false);
  });

  it('answer 429 with Retry-After once a key spends its burst', async () => {
    const { key } = await createApiKey(uniqueOrg(), 'admin');
    const statuses: number[] = [];
    for (let i = 0; i <= keyRateLimits.admin.burst; i++) statuses.push((await listApps(key)).statusCode!);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(
      keyRateLimits.admin.burst,
    );
    const limited = await listApps(key);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(bodyOf(limited).error.code).toBe('rate_limited');
  });
});

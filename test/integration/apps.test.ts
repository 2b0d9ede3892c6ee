import { describe, expect, it, vi } from 'vitest';
import { handler as apps } from '../../functions/apps.ts';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { handler as lookup } from '../../functions/lookup.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { handler as updateApp } from '../../functions/update-app.ts';
import { retireSilentInstances } from '../../functions/use-cases/retire-instances.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, mixedAppEnvironments, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';

async function store(org: string, heartbeats: (Partial<Heartbeat> & { received?: string })[]) {
  const messages = heartbeats.map(({ received, ...h }) =>
    heartbeatMessage(org, { sent_at: received ?? recently(60), ...h }, received ?? recently(59)),
  );
  expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
}

const get = async (key: string, path: string, pathParameters?: Record<string, string>) => {
  const event = httpEvent({ path, key });
  event.pathParameters = pathParameters;
  return apps(event, context);
};

const patch = async (key: string, app: string, environment: string, body: unknown) => {
  const event = httpEvent({ method: 'PATCH', path: `/v1/apps/${app}/${environment}`, key, body });
  event.pathParameters = { app, environment };
  return updateApp(event, context);
};

const hoursAgo = (hours: number) => recently(hours * 3600);

describe('GET /v1/apps', () => {
  it('lists app-environments with flags, running and stale instances, runtimes and dependency counts', async () => {
    const org = uniqueOrg();
    await store(org, [
      { instance: 'web-1' },
      { instance: 'web-2', runtime: { elixir: '1.17.3', otp: '27.1.1', erts: '15.1.1' } },
      { instance: 'web-3', received: hoursAgo(5) },
      { instance: 'web-4', received: hoursAgo(24 * 8) },
      { app: 'worker', environment: 'staging', instance: 'w-1', internet_facing: false },
    ]);
    const { apps: rows } = bodyOf(await get(await keyFor(org, 'read'), '/v1/apps'));
    expect(rows.map((row: { app: string; environment: string }) => `${row.app}/${row.environment}`)).toEqual([
      'billing/prod',
      'worker/staging',
    ]);
    expect(rows[0]).toMatchObject({
      internet_facing: true,
      handles_pii: true,
      instances: { running: 2, stale: 1 },
      runtime: { otp: ['27.1.1', '27.1.2'], elixir: ['1.17.3'] },
      dependency_count: 4,
      vulnerabilities: { scan: { critical: 0, high: 0, medium: 0, low: 0 } },
    });
    expect(rows[1].internet_facing).toBe(false);
  });

  it('says in words what needs action in each row: here, code that no scan checks', async () => {
    const org = uniqueOrg();
    await store(org, [
      { instance: 'web-1' },
      { app: 'worker', environment: 'staging', instance: 'w-1', internet_facing: false },
    ]);
    const { apps: rows } = bodyOf(await get(await keyFor(org, 'read'), '/v1/apps'));
    expect(rows.map((row: { last_scanned_at: string | null }) => row.last_scanned_at)).toEqual([null, null]);
    // Other tests' advisories may also raise findings on these inventories: only the scan's reason is asked for.
    expect(rows[0].attention.reasons).toContain('internet-facing and never scanned');
    expect(rows[0].attention.urgency).toBeGreaterThanOrEqual(20);
    expect(rows[1].attention.reasons).toContain('never scanned');
    expect(rows[1].attention.urgency).toBeGreaterThanOrEqual(10);
  });
});

describe('GET /v1/apps, paged', () => {
  it('pages most exposed first, filters like a lookup, and reads only the rows of the page', async () => {
    const org = uniqueOrg();
    const heartbeats = mixedAppEnvironments();
    await store(org, heartbeats.slice(0, 15));
    await store(org, heartbeats.slice(15));
    const key = await keyFor(org, 'read');
    const list = async (query: Record<string, string>) => {
      const event = httpEvent({ path: '/v1/apps', key, query });
      capacityMeter.reset();
      const result = await apps(event, context);
      return { status: result.statusCode, body: bodyOf(result), units: capacityMeter.snapshot().read_units };
    };
    const seen: { app: string; environment: string; internet_facing: boolean }[] = [];
    let cursor: string | undefined;
    do {
      const { body, units } = await list({ limit: '8', ...(cursor ? { cursor } : {}) });
      // Eight rows of about 700 bytes, and a Query per exposure rank it reaches: a few read units.
      expect(units).toBeLessThanOrEqual(4);
      seen.push(...body.apps);
      cursor = body.next_cursor ?? undefined;
    } while (cursor);
    expect(seen.map((row) => row.app).sort()).toEqual(heartbeats.map((h) => h.app));
    const ranks = seen.map((row) => (row.environment === 'prod' ? 0 : 4) + (row.internet_facing ? 0 : 2));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const staging = (await list({ environment: 'staging', internet_facing: 'false' })).body.apps;
    expect(staging.map((row: { app: string }) => row.app)).toEqual(
      heartbeats.filter((h) => h.environment === 'staging' && !h.internet_facing).map((h) => h.app),
    );
    const unknown = await list({ sort: 'app' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('sort');
  });

  it('moves an app-environment whose instances fell silent, at the hourly sweep', async () => {
    const org = uniqueOrg();
    await store(org, [{ instance: 'web-1', received: hoursAgo(2.5) }]);
    const key = await keyFor(org, 'read');
    const row = async () => bodyOf(await get(key, '/v1/apps')).apps[0];
    expect((await row()).instances).toMatchObject({ running: 1, stale: 0 });
    // Half an hour later it has missed three hourly heartbeats; nothing is written until the sweep.
    vi.useFakeTimers({ now: Date.now() + 3600_000, toFake: ['Date'] });
    try {
      await retireSilentInstances(org, new Date());
      expect((await row()).instances).toMatchObject({ running: 0, stale: 1 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('GET /v1/apps/{app}/{environment}', () => {
  it('gives each instance, every dependency with its versions, and the drift between instances', async () => {
    const org = uniqueOrg();
    await store(org, [
      { instance: 'web-1' },
      {
        instance: 'web-2',
        deps: [
          { name: 'plug', version: '1.16.2' },
          { name: 'phoenix', version: '1.7.14' },
          { name: 'kernel', version: '10.1.1' },
        ],
      },
    ]);
    const detail = bodyOf(
      await get(await keyFor(org, 'read'), '/v1/apps/billing/prod', { app: 'billing', environment: 'prod' }),
    );
    expect(detail.instances.map((i: { instance: string; status: string }) => [i.instance, i.status])).toEqual(
      [
        ['web-1', 'running'],
        ['web-2', 'running'],
      ],
    );
    expect(detail.dependencies.find((d: { name: string }) => d.name === 'kernel')).toEqual({
      name: 'kernel',
      ecosystem: 'otp',
      versions: [{ version: '10.1.1', instances: ['web-1', 'web-2'] }],
      missing_on: [],
    });
    expect(detail.drift).toEqual([
      {
        name: 'logger',
        ecosystem: 'elixir',
        versions: [{ version: '1.17.3', instances: ['web-1'] }],
        missing_on: ['web-2'],
      },
      {
        name: 'plug',
        ecosystem: 'hex',
        versions: [
          { version: '1.16.1', instances: ['web-1'] },
          { version: '1.16.2', instances: ['web-2'] },
        ],
        missing_on: [],
      },
    ]);
  });

  it('answers 404 for an app-environment the organization does not have, and 400 for a bad name', async () => {
    const key = await keyFor(uniqueOrg(), 'read');
    const missing = await get(key, '/v1/apps/billing/prod', { app: 'billing', environment: 'prod' });
    expect(missing.statusCode).toBe(404);
    const bad = await get(key, '/v1/apps/Billing/prod', { app: 'Billing', environment: 'prod' });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.field).toBe('app');
  });
});

describe('PATCH /v1/apps/{app}/{environment}', () => {
  it('overrides the classification, wins over later heartbeats, and gives way again when set to null', async () => {
    const org = uniqueOrg();
    const admin = await keyFor(org, 'admin');
    await store(org, [{ instance: 'web-1', received: hoursAgo(1) }]);
    const patched = await patch(admin, 'billing', 'prod', {
      internet_facing: false,
      urls: ['https://internal.example'],
    });
    expect(patched.statusCode).toBe(200);
    expect(bodyOf(patched)).toMatchObject({
      internet_facing: false,
      handles_pii: true,
      urls: ['https://internal.example'],
    });
    // Lookups and the apps list follow the override at once.
    const found = bodyOf(
      await lookup(
        httpEvent({ path: '/v1/lookup', key: admin, query: { package: 'plug', version: '1.16.1' } }),
        context,
      ),
    );
    expect(found.matches[0]).toMatchObject({ internet_facing: false, urls: ['https://internal.example'] });
    expect(bodyOf(await get(admin, '/v1/apps')).apps[0]).toMatchObject({ internet_facing: false });

    await store(org, [{ instance: 'web-1', internet_facing: true, urls: ['https://agent.example'] }]);
    const detail = bodyOf(await get(admin, '/v1/apps/billing/prod', { app: 'billing', environment: 'prod' }));
    expect(detail).toMatchObject({
      internet_facing: false,
      urls: ['https://internal.example'],
      reported: { internet_facing: true, urls: ['https://agent.example'] },
    });

    const cleared = bodyOf(await patch(admin, 'billing', 'prod', { internet_facing: null }));
    expect(cleared).toMatchObject({
      internet_facing: true,
      overrides: { urls: ['https://internal.example'] },
    });
  });

  it('needs an admin key, a known app-environment and a body it understands', async () => {
    const org = uniqueOrg();
    await store(org, [{ instance: 'web-1' }]);
    const admin = await keyFor(org, 'admin');
    expect(
      (await patch(await keyFor(org, 'read'), 'billing', 'prod', { handles_pii: false })).statusCode,
    ).toBe(403);
    expect((await patch(admin, 'billing', 'qa', { handles_pii: false })).statusCode).toBe(404);
    for (const [body, field] of [
      [{}, 'body'],
      [{ handles_pii: 'no' }, 'handles_pii'],
      [{ internet_facng: true }, 'body'],
      [{ urls: ['ftp://x.example'] }, 'urls[0]'],
    ] as const) {
      const result = await patch(admin, 'billing', 'prod', body);
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error.field).toBe(field);
    }
  });
});

describe('retirement', () => {
  it('removes instances silent past the retention, with their dependencies, and keeps the rest', async () => {
    const org = uniqueOrg();
    await store(org, [{ instance: 'web-1' }, { instance: 'old-1', received: hoursAgo(24 * 8) }]);
    expect(await retireSilentInstances(org, new Date())).toBe(1);
    expect(await readInstanceDependencies(org, 'billing', 'prod', 'old-1')).toEqual([]);
    expect(await readInstanceDependencies(org, 'billing', 'prod', 'web-1')).toHaveLength(7);
    const detail = bodyOf(
      await get(await keyFor(org, 'read'), '/v1/apps/billing/prod', { app: 'billing', environment: 'prod' }),
    );
    expect(detail.instances.map((i: { instance: string }) => i.instance)).toEqual(['web-1']);
    expect(await retireSilentInstances(org, new Date())).toBe(0);
  });

  it('lets a retired instance come back with its whole inventory', async () => {
    const org = uniqueOrg();
    await store(org, [{ instance: 'web-1', received: hoursAgo(24 * 8) }]);
    await retireSilentInstances(org, new Date());
    await store(org, [{ instance: 'web-1' }]);
    expect(await readInstanceDependencies(org, 'billing', 'prod', 'web-1')).toHaveLength(7);
  });
});

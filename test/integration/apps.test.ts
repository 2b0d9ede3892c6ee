import { describe, expect, it } from 'vitest';
import { handler as apps } from '../../functions/apps.ts';
import { handler as processHeartbeats } from '../../functions/process-heartbeats.ts';
import { readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { handler as updateApp } from '../../functions/update-app.ts';
import { retireSilentInstances } from '../../functions/use-cases/retire-instances.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { bodyOf, context, httpEvent, sqsEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';

async function store(org: string, heartbeats: (Partial<Heartbeat> & { received?: string })[]) {
  const messages = heartbeats.map(({ received, ...h }) =>
    heartbeatMessage(org, { sent_at: received ?? recently(60), ...h }, received ?? recently(59)),
  );
  expect((await processHeartbeats(sqsEvent(messages), context)).batchItemFailures).toEqual([]);
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

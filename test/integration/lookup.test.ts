import { describe, expect, it } from 'vitest';
import { handler as lookupHandler } from '../../functions/lookup.ts';
import { handler as processHeartbeats } from '../../functions/process-heartbeats.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { bodyOf, context, httpEvent, sqsEvent } from '../support/events.ts';
import { heartbeatMessage, receivedRecently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';

async function store(org: string, ...heartbeats: Partial<Heartbeat>[]) {
  const response = await processHeartbeats(
    sqsEvent(heartbeats.map((h) => heartbeatMessage(org, h))),
    context,
  );
  expect(response.batchItemFailures).toEqual([]);
}

const lookup = async (key: string, query: Record<string, string>) =>
  lookupHandler(httpEvent({ path: '/v1/lookup', key, query }), context);

describe('GET /v1/lookup', () => {
  it('finds every instance running the exact version, grouped by app and environment', async () => {
    const org = uniqueOrg();
    await store(
      org,
      { instance: 'billing@web-1' },
      { instance: 'billing@web-2', deps: [{ name: 'plug', version: '1.16.1+build.9' }] },
      { instance: 'billing@web-3', deps: [{ name: 'plug', version: '1.16.2' }] },
      { app: 'intranet', instance: 'intranet@1', internet_facing: false, handles_pii: false, urls: [] },
      { app: 'billing', environment: 'staging', instance: 'billing@staging-1' },
    );
    const result = await lookup(await keyFor(org, 'read'), { package: 'Plug', version: '1.16.1' });
    expect(result.statusCode).toBe(200);
    const { matches } = bodyOf(result);
    expect(matches.map((m: { app: string; environment: string }) => `${m.app}/${m.environment}`)).toEqual([
      'billing/prod',
      'intranet/prod',
      'billing/staging',
    ]);
    expect(matches[0]).toMatchObject({
      internet_facing: true,
      handles_pii: true,
      urls: ['https://billing.example.com'],
      last_seen: receivedRecently,
      instances: [
        { instance: 'billing@web-1', version: '1.16.1', last_seen: receivedRecently, stale: false },
        { instance: 'billing@web-2', version: '1.16.1+build.9', last_seen: receivedRecently, stale: false },
      ],
    });
  });

  it('finds OTP applications by their own versions', async () => {
    const org = uniqueOrg();
    await store(
      org,
      { deps: [{ name: 'ssh', version: '5.2.11.6' }] },
      { instance: 'b@2', deps: [{ name: 'ssh', version: '5.2.11' }] },
    );
    const { matches } = bodyOf(
      await lookup(await keyFor(org, 'read'), { package: 'ssh', version: '5.2.11' }),
    );
    expect(matches[0].instances).toEqual([expect.objectContaining({ instance: 'b@2', version: '5.2.11' })]);
  });

  it('answers an empty list when nothing runs the version', async () => {
    const org = uniqueOrg();
    await store(org, {});
    const result = await lookup(await keyFor(org, 'read'), { package: 'plug', version: '9.9.9' });
    expect(bodyOf(result)).toEqual({ matches: [] });
  });

  it('shows an organization only its own instances', async () => {
    const mine = uniqueOrg('mine');
    const theirs = uniqueOrg('theirs');
    await store(mine, {});
    await store(theirs, { instance: 'their@web-1' });
    const { matches } = bodyOf(
      await lookup(await keyFor(theirs, 'read'), { package: 'plug', version: '1.16.1' }),
    );
    expect(matches).toHaveLength(1);
    expect(matches[0].instances.map((i: { instance: string }) => i.instance)).toEqual(['their@web-1']);
  });

  it('lets an admin key read, refuses an ingest key, and names a missing parameter', async () => {
    const org = uniqueOrg();
    expect((await lookup(await keyFor(org, 'admin'), { package: 'plug', version: '1.0.0' })).statusCode).toBe(
      200,
    );
    expect(
      (await lookup(await keyFor(org, 'ingest'), { package: 'plug', version: '1.0.0' })).statusCode,
    ).toBe(403);
    const missing = await lookup(await keyFor(org, 'read'), { package: 'plug' });
    expect(missing.statusCode).toBe(400);
    expect(bodyOf(missing).error).toMatchObject({ field: 'version', reason: 'is required' });
  });
});

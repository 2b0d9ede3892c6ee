import { describe, expect, it } from 'vitest';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
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
        {
          instance: 'billing@web-1',
          package: 'plug',
          version: '1.16.1',
          last_seen: receivedRecently,
          stale: false,
        },
        {
          instance: 'billing@web-2',
          package: 'plug',
          version: '1.16.1+build.9',
          last_seen: receivedRecently,
          stale: false,
        },
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

  it('takes an Elixir requirement or an advisory range, and reads only the versions in range', async () => {
    const org = uniqueOrg();
    const versions = ['1.13.9', '1.14.0', '1.14.1', '1.14.2', '1.15.0-rc.1', '1.15.0', '1.16.1', '2.0.0'];
    await store(
      org,
      ...versions.map((version, i) => ({ instance: `web-${i}`, deps: [{ name: 'plug', version }] })),
    );
    const key = await keyFor(org, 'read');
    const found = async (query: Record<string, string>) =>
      bodyOf(await lookup(key, { package: 'plug', ...query })).matches.flatMap(
        (m: { instances: { version: string }[] }) => m.instances.map((i) => i.version),
      );
    expect((await found({ requirement: '< 1.14.2' })).sort()).toEqual(['1.13.9', '1.14.0', '1.14.1']);
    expect((await found({ requirement: '~> 1.14.0 or == 2.0.0' })).sort()).toEqual([
      '1.14.0',
      '1.14.1',
      '1.14.2',
      '2.0.0',
    ]);
    expect((await found({ requirement: '~> 1.14' })).sort()).toEqual([
      '1.14.0',
      '1.14.1',
      '1.14.2',
      '1.15.0',
      '1.15.0-rc.1',
      '1.16.1',
    ]);
    expect((await found({ range: '>= 1.14.1, < 1.15.0 || >= 2.0.0' })).sort()).toEqual([
      '1.14.1',
      '1.14.2',
      '1.15.0-rc.1',
      '2.0.0',
    ]);

    capacityMeter.reset();
    await lookup(key, { package: 'plug', range: '>= 1.14.1, < 1.14.2' });
    const narrow = capacityMeter.snapshot().read_units;
    capacityMeter.reset();
    await lookup(key, { package: 'plug', requirement: '>= 0.0.0' });
    expect(narrow).toBeLessThan(capacityMeter.snapshot().read_units);
  });

  it('finds instances by their OTP release and their OTP applications’ versions', async () => {
    const org = uniqueOrg();
    await store(
      org,
      {
        instance: 'a',
        runtime: { otp: '27.3.4', elixir: '1.18.3', erts: '15.2.7' },
        deps: [{ name: 'ssh', version: '5.2.11.5' }],
      },
      {
        instance: 'b',
        runtime: { otp: '27.3.4.1', elixir: '1.18.3', erts: '15.2.7.1' },
        deps: [{ name: 'ssh', version: '5.2.11.6' }],
      },
      {
        instance: 'c',
        runtime: { otp: '26.2.5.12', elixir: '1.17.3', erts: '14.2.5.10' },
        deps: [{ name: 'ssh', version: '5.1.4.9' }],
      },
    );
    const key = await keyFor(org, 'read');
    const instancesOf = async (query: Record<string, string>) =>
      bodyOf(await lookup(key, query)).matches.flatMap((m: { instances: { instance: string }[] }) =>
        m.instances.map((i) => i.instance),
      );
    expect(await instancesOf({ package: 'otp', requirement: '< 27.3.4.1' })).toEqual(['a', 'c']);
    expect(await instancesOf({ package: 'ssh', range: '>= 5.2.0, < 5.2.11.6' })).toEqual(['a']);
    expect(await instancesOf({ package: 'elixir', requirement: '~> 1.18.0' })).toEqual(['a', 'b']);
    expect(await instancesOf({ package: 'otp', version: '27.3.4.1', ecosystem: 'hex' })).toEqual([]);
  });

  it('answers the same rows as CSV, defusing cells a spreadsheet would run', async () => {
    const org = uniqueOrg();
    await store(org, { instance: '=cmd|calc', urls: ['https://a.example', 'https://b.example'] });
    const result = await lookup(await keyFor(org, 'read'), {
      package: 'plug',
      version: '1.16.1',
      format: 'csv',
    });
    expect(result.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    const lines = result.body!.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'app,environment,instance,version,last_seen,stale,internet_facing,handles_pii,urls',
    );
    expect(lines[1]).toBe(
      `billing,prod,'=cmd|calc,1.16.1,${receivedRecently},false,true,true,https://a.example https://b.example,plug`,
    );
  });

  it('finds every instance when so many match that it reads the organization’s heads in one Query', async () => {
    const org = uniqueOrg();
    const heartbeats = Array.from({ length: 230 }, (_, i) => ({
      app: `app-${i % 40}`,
      instance: `i-${i}`,
      deps: [{ name: 'plug', version: '1.16.1' }],
    }));
    for (let start = 0; start < heartbeats.length; start += 25)
      await store(org, ...heartbeats.slice(start, start + 25));
    await store(uniqueOrg('other'), { instance: 'not-mine' });
    const { matches, totals } = bodyOf(
      await lookup(await keyFor(org, 'read'), { package: 'plug', version: '1.16.1' }),
    );
    expect(totals).toMatchObject({ apps: 40, app_environments: 40, instances: 230 });
    expect(matches.every((m: { internet_facing: boolean }) => m.internet_facing)).toBe(true);
  });

  it('answers an empty list when nothing runs the version', async () => {
    const org = uniqueOrg();
    await store(org, {});
    const result = await lookup(await keyFor(org, 'read'), { package: 'plug', version: '9.9.9' });
    expect(bodyOf(result)).toEqual({
      matches: [],
      totals: { apps: 0, environments: 0, app_environments: 0, instances: 0 },
    });
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
    expect(bodyOf(missing).error).toMatchObject({
      field: 'version',
      reason: expect.stringContaining('is required'),
    });
  });
});

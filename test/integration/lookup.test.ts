import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as lookupHandler } from '../../functions/lookup.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readPackageCatalog, writeUsageChanges } from '../../functions/stores/usage-store.ts';
import { packageCatalogKey } from '../../shared/entities/organization.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import type { LookupMatch } from '../../shared/lookup.ts';
import { table } from '../../shared/resources.ts';
import { diffUsage, usageRows } from '../../shared/usage.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, mixedAppEnvironments, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';

async function store(org: string, ...heartbeats: Partial<Heartbeat>[]) {
  const response = await processWork(
    workEvent(
      'heartbeat',
      heartbeats.map((h) => heartbeatMessage(org, h)),
    ),
    context,
  );
  expect(response.batchItemFailures).toEqual([]);
}

const lookup = async (key: string, query: Record<string, string>) =>
  lookupHandler(httpEvent({ path: '/v1/lookup', key, query }), context);

describe('GET /v1/lookup', () => {
  it('answers a row per app-environment and version, most exposed first, with complete totals', async () => {
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
    const { matches, totals, next_cursor } = bodyOf(result);
    expect(
      matches.map(
        (m: LookupMatch) => `${m.app}/${m.environment} ${m.version} ${m.instance_count} ${m.drift}`,
      ),
    ).toEqual([
      'billing/prod 1.16.1 1 true',
      'billing/prod 1.16.1+build.9 1 true',
      'intranet/prod 1.16.1 1 false',
      'billing/staging 1.16.1 1 false',
    ]);
    expect(matches[0]).toEqual({
      app: 'billing',
      environment: 'prod',
      internet_facing: true,
      handles_pii: true,
      urls: ['https://billing.example.com'],
      package: 'plug',
      version: '1.16.1',
      instance_count: 1,
      instances: [{ instance: 'billing@web-1', package: 'plug', version: '1.16.1' }],
      drift: true,
    });
    expect(totals).toEqual({
      app_environments: 3,
      instances: 4,
      by_exposure: {
        production_internet_facing: { app_environments: 1, instances: 2 },
        production: { app_environments: 1, instances: 1 },
        other: { app_environments: 1, instances: 1 },
      },
    });
    expect(next_cursor).toBeNull();
  });

  it('pages through the rows with a cursor, and filters by environment and classification', async () => {
    const org = uniqueOrg();
    const heartbeats = mixedAppEnvironments((i) => [
      { name: 'plug', version: i % 4 === 0 ? '1.15.0' : '1.16.1' },
    ]);
    await store(org, ...heartbeats.slice(0, 15));
    await store(org, ...heartbeats.slice(15));
    const key = await keyFor(org, 'read');
    const pages: LookupMatch[][] = [];
    let cursor: string | undefined;
    do {
      const body = bodyOf(
        await lookup(key, {
          package: 'plug',
          requirement: '>= 1.0.0',
          limit: '7',
          ...(cursor ? { cursor } : {}),
        }),
      );
      expect(body.totals.app_environments).toBe(30);
      pages.push(body.matches);
      cursor = body.next_cursor ?? undefined;
    } while (cursor);
    const rows = pages.flat();
    expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    expect(new Set(rows.map((row) => row.app)).size).toBe(30);
    const ranks = rows.map((row) => (row.environment === 'prod' ? 0 : 4) + (row.internet_facing ? 0 : 2));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const filtered = bodyOf(
      await lookup(key, {
        package: 'plug',
        requirement: '>= 1.0.0',
        environment: 'staging',
        internet_facing: 'true',
      }),
    );
    // Within an exposure rank, rows come by version, then app.
    const expected = heartbeats
      .filter((h) => h.environment === 'staging' && h.internet_facing)
      .sort((a, b) => a.deps![0]!.version.localeCompare(b.deps![0]!.version) || a.app.localeCompare(b.app))
      .map((h) => h.app);
    expect(filtered.matches.map((m: LookupMatch) => m.app)).toEqual(expected);
    expect(filtered.totals).toMatchObject({ app_environments: expected.length, instances: expected.length });
    // The same rows a page at a time, through the cursor.
    const paged: string[] = [];
    let next: string | undefined;
    do {
      const body = bodyOf(
        await lookup(key, {
          package: 'plug',
          requirement: '>= 1.0.0',
          environment: 'staging',
          internet_facing: 'true',
          limit: '2',
          ...(next ? { cursor: next } : {}),
        }),
      );
      paged.push(...body.matches.map((m: LookupMatch) => m.app));
      next = body.next_cursor ?? undefined;
    } while (next);
    expect(paged).toEqual(expected);
    const production = bodyOf(await lookup(key, { package: 'plug', version: '1.15.0', production: 'true' }));
    expect(production.totals.app_environments).toBe(
      heartbeats.filter((h, i) => h.environment === 'prod' && i % 4 === 0).length,
    );
    expect(production.matches.every((m: LookupMatch) => m.environment === 'prod')).toBe(true);

    const foreign = bodyOf(
      await lookup(key, { package: 'plug', requirement: '>= 1.0.0', limit: '7' }),
    ).next_cursor;
    const refused = await lookup(key, {
      package: 'plug',
      requirement: '>= 1.0.0',
      production: 'false',
      cursor: foreign,
    });
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused).error.field).toBe('cursor');
  });

  it('answers a requirement that nothing satisfies with no rows, and refuses what is not a version', async () => {
    const org = uniqueOrg();
    await store(org, {});
    const key = await keyFor(org, 'read');
    const none = await lookup(key, { package: 'plug', requirement: '~> 0.3 and ~> 2.2' });
    expect(none.statusCode).toBe(200);
    expect(bodyOf(none)).toMatchObject({
      matches: [],
      totals: { app_environments: 0, instances: 0 },
      next_cursor: null,
    });
    const partial = await lookup(key, { package: 'plug', version: '1.16' });
    expect(partial.statusCode).toBe(400);
    expect(bodyOf(partial).error).toMatchObject({
      field: 'version',
      reason: expect.stringContaining('requirement'),
    });
    const unknown = await lookup(key, { package: 'plug', version: '1.16.1', env: 'prod' });
    expect(bodyOf(unknown).error).toMatchObject({ field: 'env' });
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
    expect(matches).toEqual([
      expect.objectContaining({
        version: '5.2.11',
        instances: [expect.objectContaining({ instance: 'b@2' })],
      }),
    ]);
  });

  it('takes an Elixir requirement or an advisory range', async () => {
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
    expect((await instancesOf({ package: 'otp', requirement: '< 27.3.4.1' })).sort()).toEqual(['a', 'c']);
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
    expect(lines).toEqual([
      'app,environment,package,version,instance_count,instances,drift,internet_facing,handles_pii,urls',
      `billing,prod,plug,1.16.1,1,'=cmd|calc,false,true,true,https://a.example https://b.example`,
    ]);
  });

  it('answers every row as CSV, however many pages they take', async () => {
    const org = uniqueOrg();
    const heartbeats = Array.from({ length: 60 }, (_, i) => ({ app: `app-${i}`, instance: `i-${i}` }));
    for (let start = 0; start < heartbeats.length; start += 25)
      await store(org, ...heartbeats.slice(start, start + 25));
    const result = await lookup(await keyFor(org, 'read'), {
      package: 'plug',
      version: '1.16.1',
      format: 'csv',
      limit: '5',
    });
    expect(result.body!.trimEnd().split('\r\n')).toHaveLength(61);
  });

  it('answers a CSV too large for one response with a 303 to a download of every row', async () => {
    const org = uniqueOrg();
    const heartbeats = Array.from({ length: 60 }, (_, i) => ({ app: `app-${i}`, instance: `i-${i}` }));
    for (let start = 0; start < heartbeats.length; start += 25)
      await store(org, ...heartbeats.slice(start, start + 25));
    // The threshold is read once, at cold start: a handler loaded afresh reads the lowered one.
    process.env.LOOKUP_CSV_INLINE_BYTES = '1024';
    vi.resetModules();
    const { handler: smallAnswers } = await import('../../functions/lookup.ts');
    delete process.env.LOOKUP_CSV_INLINE_BYTES;
    const query = { package: 'plug', version: '1.16.1', format: 'csv' };
    const result = await smallAnswers(
      httpEvent({ path: '/v1/lookup', key: await keyFor(org, 'read'), query }),
      context,
    );
    expect(result.statusCode).toBe(303);
    const location = result.headers!.location as string;
    expect(new URL(location).pathname).toMatch(new RegExp(`/exports/${org}/[0-9a-f-]{36}\\.csv$`));
    expect(bodyOf(result)).toEqual({ url: location, expires_at: expect.any(String) });
    expect(Date.parse(bodyOf(result).expires_at) - Date.now()).toBeGreaterThan(14 * 60 * 1000);

    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="muster-plug.csv"');
    const lines = (await download.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'app,environment,package,version,instance_count,instances,drift,internet_facing,handles_pii,urls',
    );
    expect(lines).toHaveLength(61);
    expect(new Set(lines.slice(1).map((line) => line.split(',')[0]))).toEqual(
      new Set(heartbeats.map((h) => h.app)),
    );
  });

  it('says whether the organization ever reported a package, and which names it may have meant', async () => {
    const org = uniqueOrg();
    await store(org, {
      deps: [
        { name: 'plug', version: '1.16.1' },
        { name: 'plug_crypto', version: '2.1.0' },
        { name: 'phoenix', version: '1.7.14' },
      ],
    });
    const key = await keyFor(org, 'read');
    const answer = async (query: Record<string, string>) => bodyOf(await lookup(key, query));

    expect(await answer({ package: 'plug', version: '1.16.1' })).toMatchObject({ package_seen: true });
    const unknown = await answer({ package: 'plgu', version: '1.16.1' });
    expect(unknown).toMatchObject({ matches: [], package_seen: false, did_you_mean: ['plug'] });
    expect((await answer({ package: 'plug_crypt', requirement: '>= 0.0.0' })).did_you_mean).toEqual([
      'plug_crypto',
    ]);
    expect((await answer({ package: 'nothing_like_it', version: '1.0.0' })).did_you_mean).toEqual([]);
    // Known, though nothing runs these versions, or no version satisfies the requirement.
    const matchingNothing: Record<string, string>[] = [
      { package: 'plug', version: '9.9.9' },
      { package: 'plug', requirement: '~> 0.3 and ~> 2.2' },
    ];
    for (const query of matchingNothing) {
      const known = await answer(query);
      expect(known).toMatchObject({ matches: [], package_seen: true });
      expect(known).not.toHaveProperty('did_you_mean');
    }

    // Counts know the packages an organization reported before the catalog was kept.
    await documents.send(new DeleteCommand({ TableName: table.name, Key: packageCatalogKey(org, 'plug') }));
    expect(await answer({ package: 'plug', version: '9.9.9' })).toMatchObject({ package_seen: true });
  });

  it('catalogues a package that only ever runs in drift, which no count records', async () => {
    const org = uniqueOrg();
    const rows = usageRows(
      'billing',
      'prod',
      { internet_facing: true, handles_pii: true, urls: [] },
      ['1.0.0', '1.1.0'].map((version, i) => ({
        instance: `web-${i}`,
        name: 'drifty',
        version,
        ecosystem: 'hex' as const,
        expires_at: Math.floor(Date.now() / 1000) + 3600,
      })),
    );
    const changes = diffUsage([], rows);
    expect(changes.deltas).toEqual([]);
    await writeUsageChanges(org, 'billing', 'prod', 'test', changes, undefined);
    expect(await readPackageCatalog(org)).toEqual(['drifty']);
    const key = await keyFor(org, 'read');
    expect(bodyOf(await lookup(key, { package: 'drifty', version: '2.0.0' }))).toMatchObject({
      matches: [],
      package_seen: true,
    });
    expect(bodyOf(await lookup(key, { package: 'drifyt', version: '2.0.0' }))).toMatchObject({
      package_seen: false,
      did_you_mean: ['drifty'],
    });
  });

  it('reads only the rows of the versions and ranks asked for', async () => {
    const org = uniqueOrg();
    const heartbeats = Array.from({ length: 60 }, (_, i) => ({ app: `app-${i}`, instance: `i-${i}` }));
    for (let start = 0; start < heartbeats.length; start += 25)
      await store(org, ...heartbeats.slice(start, start + 25));
    await store(org, { app: 'legacy', instance: 'legacy-1', deps: [{ name: 'plug', version: '1.0.0' }] });
    const key = await keyFor(org, 'read');
    const cost = async (query: Record<string, string>) => {
      capacityMeter.reset();
      const { matches } = bodyOf(await lookup(key, { package: 'plug', ...query }));
      return { rows: matches.length, units: capacityMeter.snapshot().read_units };
    };
    const rare = await cost({ version: '1.0.0' });
    const all = await cost({ requirement: '>= 0.0.0' });
    expect(rare.rows).toBe(1);
    expect(all.rows).toBe(61);
    // The counts of plug's two versions, its drift copies, and the one rank that has rows.
    expect(rare.units).toBe(1.5);
    expect(all.units).toBeGreaterThan(rare.units);
  });

  it('answers an empty list when nothing runs the version', async () => {
    const org = uniqueOrg();
    await store(org, {});
    const result = await lookup(await keyFor(org, 'read'), { package: 'plug', version: '9.9.9' });
    expect(bodyOf(result)).toMatchObject({
      matches: [],
      totals: { app_environments: 0, instances: 0 },
      next_cursor: null,
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

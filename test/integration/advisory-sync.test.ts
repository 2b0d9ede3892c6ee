import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as advisoriesHandler } from '../../functions/advisories.ts';
import { handler as apps } from '../../functions/apps.ts';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readVulnerability } from '../../functions/stores/advisory-store.ts';
import { handler as syncAdvisories } from '../../functions/sync-advisories.ts';
import { type SyncOptions, syncAdvisorySources } from '../../functions/use-cases/sync-advisory-sources.ts';
import { parseAdvisorySources, type SourceState } from '../../shared/advisory-sources.ts';
import { AdvisoryFeedServer, cveRecord, osvRecord } from '../support/advisory-feed-server.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveWork } from '../support/local-services.ts';
import { rematch } from '../support/rematch.ts';

/**
 * The scheduled sync against loopback feeds laid out as OSV's bucket and the EEF CNA's CVE records:
 * what it downloads on a first, an unchanged and a changed run, how a changed, withdrawn or vanished
 * record reaches the findings, and how a hanging, malformed or broken source is contained.
 */

const run = randomUUID().slice(0, 8);
const name = (label: string) => `feed_${label}_${run.replaceAll('-', '')}`;
const pkg = { narrowed: name('narrowed'), withdrawn: name('withdrawn'), vanished: name('vanished') };
const ids = { narrowed: `MUSTER-${run}-1`, withdrawn: `MUSTER-${run}-2` };
const cveId = `CVE-2099-${Date.now() % 1_000_000_000}`;
const feed = new AdvisoryFeedServer();
const org = uniqueOrg('feeds');
let readKey: string;

/** A first or full sync: OSV's records in one download of its export, the CNA's one by one. */
const everythingDownloaded = () =>
  ['/cna/cves/index.json', `/cna/cves/${cveId}.json`, '/osv/Hex/all.zip', '/osv/Hex/modified_id.csv'].sort();

const sources = () => parseAdvisorySources(`${feed.osvSource},${feed.cveSource}`);

/** One sync; then every vulnerability it queued is matched, as the work consumer does from the queue. */
async function sync(options: SyncOptions = {}) {
  const result = await syncAdvisorySources(sources(), { requestTimeoutMs: 2_000, ...options });
  const queued = await receiveWork('advisory');
  if (queued.length > 0) await rematch(queued);
  return Object.fromEntries(result.sources.map((source) => [source.source.slice(0, 3), source]));
}

async function findingStatus(vulnerability: string): Promise<string | undefined> {
  const event = httpEvent({ path: '/v1/apps/billing/prod', key: readKey });
  event.pathParameters = { app: 'billing', environment: 'prod' };
  const { findings } = bodyOf(await apps(event, context)) as {
    findings: { id: string; status: string }[];
  };
  return findings.find((finding) => finding.id === vulnerability)?.status;
}

async function sourcesAnswer() {
  const response = await advisoriesHandler(
    httpEvent({ path: '/v1/advisories/sources', key: readKey }),
    context,
  );
  expect(response.statusCode).toBe(200);
  return bodyOf(response).sources as (SourceState & { status: string })[];
}

beforeAll(async () => {
  await feed.start();
  process.env.ADVISORY_SOURCES = `${feed.osvSource},${feed.cveSource}`;
  readKey = await keyFor(org, 'read');
  const message = heartbeatMessage(
    org,
    {
      sent_at: recently(60),
      runtime: {},
      deps: [
        { name: pkg.narrowed, version: '1.5.0' },
        { name: pkg.withdrawn, version: '1.0.0' },
        { name: pkg.vanished, version: '2.0.0' },
      ],
    },
    recently(59),
  );
  expect((await processWork(workEvent('heartbeat', [message]), context)).batchItemFailures).toEqual([]);
  feed.osv.set(
    ids.narrowed,
    osvRecord(ids.narrowed, pkg.narrowed, '2026-11-01T10:00:00Z', { introduced: '0', fixed: '2.0.0' }),
  );
  feed.osv.set(
    ids.withdrawn,
    osvRecord(ids.withdrawn, pkg.withdrawn, '2026-11-01T11:00:00Z', { introduced: '0', fixed: '1.1.0' }),
  );
  // Records of packages nobody runs, so that the listing is long enough to tell a broken one.
  for (let index = 0; index < 8; index++) {
    const id = `MUSTER-${run}-x${index}`;
    feed.osv.set(id, osvRecord(id, name(`idle${index}`), '2026-11-01T09:00:00Z', { introduced: '0' }));
  }
  feed.cve.set(cveId, cveRecord(cveId, pkg.vanished, '2026-11-01T12:00:00Z', '3.0.0'));
});

afterAll(() => feed.stop());

describe('advisory sync', () => {
  it('imports both feeds at first, then only asks whether they changed', async () => {
    const first = await sync();
    expect(first.osv).toMatchObject({ outcome: 'synced', fetched: 10, rejected: [], failedDownloads: [] });
    expect(first.cve).toMatchObject({ outcome: 'synced', fetched: 1 });
    expect(feed.takeRequests().sort()).toEqual(everythingDownloaded());
    expect(await findingStatus(ids.narrowed)).toBe('open');
    expect(await findingStatus(ids.withdrawn)).toBe('open');
    expect(await findingStatus(cveId)).toBe('open');

    capacityMeter.reset();
    const second = await sync();
    expect([second.osv?.outcome, second.cve?.outcome]).toEqual(['unchanged', 'unchanged']);
    expect(feed.takeRequests().sort()).toEqual(['/cna/cves/index.json 304', '/osv/Hex/modified_id.csv 304']);
    // Each source's state read and written, and the run's lock taken and released.
    expect(capacityMeter.readUnits).toBeLessThanOrEqual(2);
    expect(capacityMeter.writeUnits).toBeLessThanOrEqual(6);

    const listed = await sourcesAnswer();
    expect(listed).toEqual([
      expect.objectContaining({ source: feed.osvSource, status: 'ok', records: 10, last_error: null }),
      expect.objectContaining({ source: feed.cveSource, status: 'ok', records: 1, last_error: null }),
    ]);
  });

  it('downloads only a changed record, and a narrowed range fixes the findings it no longer covers', async () => {
    feed.osv.set(
      ids.narrowed,
      osvRecord(ids.narrowed, pkg.narrowed, '2026-11-02T10:00:00Z', { introduced: '0', fixed: '1.2.0' }),
    );
    const changed = await sync();
    expect(feed.takeRequests().sort()).toEqual(
      ['/cna/cves/index.json 304', '/osv/Hex/modified_id.csv', `/osv/Hex/${ids.narrowed}.json`].sort(),
    );
    expect(changed.osv).toMatchObject({ outcome: 'synced', fetched: 1, changed: [ids.narrowed] });
    expect(await findingStatus(ids.narrowed)).toBe('fixed');
  });

  it('closes the findings of a record withdrawn in OSV and of one the CNA stopped publishing', async () => {
    feed.osv.set(ids.withdrawn, {
      ...feed.osv.get(ids.withdrawn)!,
      modified: '2026-11-03T10:00:00Z',
      withdrawn: '2026-11-03T10:00:00Z',
    });
    feed.cve.delete(cveId);
    const result = await sync();
    expect(result.osv).toMatchObject({ fetched: 1, changed: [ids.withdrawn] });
    expect(result.cve).toMatchObject({ fetched: 0, withdrawn: [cveId], changed: [cveId] });
    expect(await findingStatus(ids.withdrawn)).toBe('fixed');
    expect(await findingStatus(cveId)).toBe('fixed');
    expect((await readVulnerability(cveId))?.affected).toEqual([]);
  });

  it('lets a hanging source fail alone, delaying no other and removing nothing', async () => {
    feed.cve.set(cveId, cveRecord(cveId, pkg.vanished, '2026-11-04T12:00:00Z', '3.0.0'));
    await sync();
    expect(await findingStatus(cveId)).toBe('open');
    feed.takeRequests();

    feed.hanging.add('/cna/cves/index.json');
    feed.osv.set(
      ids.narrowed,
      osvRecord(ids.narrowed, pkg.narrowed, '2026-11-05T10:00:00Z', { introduced: '0', fixed: '1.6.0' }),
    );
    const result = await sync({ requestTimeoutMs: 300 });
    feed.hanging.clear();
    expect(result.cve).toMatchObject({ outcome: 'failed' });
    expect(result.cve?.error).toMatch(/did not answer within 0.3 s/);
    expect(result.osv).toMatchObject({ outcome: 'synced', changed: [ids.narrowed] });
    expect(await findingStatus(ids.narrowed)).toBe('open');
    expect(await findingStatus(cveId)).toBe('open');

    const [, cve] = await sourcesAnswer();
    expect(cve).toMatchObject({ status: 'failing', records: 1 });
    expect(cve?.last_error?.message).toMatch(/did not answer/);
    expect(cve!.last_success_at! < cve!.last_error!.at).toBe(true);

    // The next run finds the source answering again.
    expect((await sync()).cve?.outcome).toBe('unchanged');
    expect((await sourcesAnswer())[1]).toMatchObject({ status: 'ok' });
  });

  it('skips a record that does not parse, keeps what was imported of it, and lists it until it is fixed', async () => {
    const before = await readVulnerability(ids.narrowed);
    feed.raw.set(`/osv/Hex/${ids.narrowed}.json`, '{"id": "truncated');
    feed.osv.set(ids.narrowed, { ...feed.osv.get(ids.narrowed)!, modified: '2026-11-06T10:00:00Z' });
    const result = await sync();
    expect(result.osv).toMatchObject({ outcome: 'synced', fetched: 1, changed: [] });
    expect(result.osv?.rejected).toEqual([
      { record: ids.narrowed, reason: expect.stringMatching(/is not JSON/) },
    ]);
    expect(await readVulnerability(ids.narrowed)).toEqual(before);

    // Not downloaded again while the source lists the same version, and still listed as rejected.
    expect((await sync()).osv?.outcome).toBe('unchanged');
    expect((await sourcesAnswer())[0]?.rejected).toEqual([
      { record: ids.narrowed, reason: expect.stringMatching(/is not JSON/) },
    ]);

    feed.raw.clear();
    feed.osv.set(
      ids.narrowed,
      osvRecord(ids.narrowed, pkg.narrowed, '2026-11-07T10:00:00Z', { introduced: '0', fixed: '1.5.1' }),
    );
    expect((await sync()).osv).toMatchObject({ fetched: 1, changed: [ids.narrowed], rejected: [] });
    expect((await sourcesAnswer())[0]?.rejected).toEqual([]);
  });

  it('refuses a listing that is garbage or that drops most of its records', async () => {
    feed.raw.set('/osv/Hex/modified_id.csv', '<html><body>Service Unavailable</body></html>');
    const garbage = await sync();
    expect(garbage.osv).toMatchObject({ outcome: 'failed' });
    expect(garbage.osv?.error).toMatch(/not a modified_id.csv/);
    feed.raw.clear();

    const kept = new Map(feed.osv);
    for (const id of [...feed.osv.keys()].filter((id) => id.includes('-x'))) feed.osv.delete(id);
    const dropped = await sync();
    expect(dropped.osv).toMatchObject({ outcome: 'failed' });
    expect(dropped.osv?.error).toMatch(/dropped 8 of the 10 records/);
    expect(await findingStatus(ids.narrowed)).toBe('open');
    // Back to the listing of the last good sync: the server's ETag says it is unchanged.
    for (const [id, record] of kept) feed.osv.set(id, record);
    expect((await sync()).osv?.outcome).toBe('unchanged');
  });

  it('downloads every record again in a full sync, one by one when the export is broken', async () => {
    feed.takeRequests();
    const full = await sync({ full: true });
    expect(full.osv).toMatchObject({ outcome: 'synced', fetched: 10, changed: [] });
    expect(full.cve).toMatchObject({ outcome: 'synced', fetched: 1, changed: [] });
    expect(feed.takeRequests().sort()).toEqual(everythingDownloaded());

    feed.raw.set('/osv/Hex/all.zip', 'PK, but not a zip');
    const fallback = await sync({ full: true });
    feed.raw.clear();
    expect(fallback.osv).toMatchObject({ outcome: 'synced', fetched: 10, changed: [], failedDownloads: [] });
    expect(feed.takeRequests().filter((path) => /^\/osv\/Hex\/MUSTER-.*\.json$/.test(path))).toHaveLength(10);
  });

  it('runs from the schedule with the configured sources and reports each one', async () => {
    const result = await syncAdvisories({});
    expect(result.sources.map((source) => [source.source, source.outcome])).toEqual([
      [feed.osvSource, 'unchanged'],
      [feed.cveSource, 'unchanged'],
    ]);
  });
});

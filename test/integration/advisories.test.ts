import { existsSync } from 'node:fs';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as advisoriesHandler } from '../../functions/advisories.ts';
import { handler as apps } from '../../functions/apps.ts';
import { readAdvisorySource } from '../../functions/lib/advisory-files.ts';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as lookup } from '../../functions/lookup.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readAppEnvironmentFindings, writeFindingChanges } from '../../functions/stores/finding-store.ts';
import { handler as suppress } from '../../functions/suppress-finding.ts';
import { importAdvisories } from '../../functions/use-cases/import-advisories.ts';
import { type FindingItem, findingKeys } from '../../shared/entities/finding.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { table } from '../../shared/resources.ts';
import { osvRecord } from '../support/advisory-feed-server.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveAlerts, receiveWork } from '../support/local-services.ts';
import { rematch } from '../support/rematch.ts';

/**
 * Advisories end to end on the real data in ../shared/advisories: import, matching of changed
 * inventories, re-matching of a new advisory, the finding lifecycle, alerts, lookups by advisory,
 * and suppressions.
 */

const advisories = new URL('../../../shared/advisories/', import.meta.url).pathname;

async function store(org: string, heartbeat: Partial<Heartbeat>, secondsAgo = 60) {
  const message = heartbeatMessage(
    org,
    { sent_at: recently(secondsAgo), ...heartbeat },
    recently(secondsAgo - 1),
  );
  expect((await processWork(workEvent('heartbeat', [message]), context)).batchItemFailures).toEqual([]);
}

const detail = async (key: string) => {
  const event = httpEvent({ path: '/v1/apps/billing/prod', key });
  event.pathParameters = { app: 'billing', environment: 'prod' };
  return bodyOf(await apps(event, context));
};

const suppressionOf = (key: string, finding: string, method: 'POST' | 'DELETE') => {
  const event = httpEvent({
    method,
    path: `/v1/apps/billing/prod/findings/${finding}/suppression`,
    key,
    body:
      method === 'POST'
        ? {
            reason: 'Only internal callers',
            author: 'ana@acme.example',
            expires_at: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
          }
        : undefined,
  });
  event.pathParameters = { app: 'billing', environment: 'prod', finding };
  return suppress(event, context);
};

const exposedRuntime: Partial<Heartbeat> = {
  runtime: { elixir: '1.18.3', otp: '27.3.4', erts: '15.2.7' },
  deps: [
    { name: 'plug', version: '1.16.1' },
    { name: 'stdlib', version: '6.2.2' },
    { name: 'jason', version: '1.4.4' },
  ],
};

describe.skipIf(!existsSync(advisories))('advisories', () => {
  let imported: Awaited<ReturnType<typeof importAdvisories>>;

  beforeAll(async () => {
    imported = await importAdvisories(await readAdvisorySource(advisories));
    await receiveWork('advisory');
  }, 120_000);

  it('imports every file, one vulnerability per flaw, and a second import changes nothing', async () => {
    expect(imported.errors).toEqual([]);
    // The import names what it merged by content rather than by a shared id.
    expect(imported.merged.filter((merge) => merge.by === 'content')).toEqual([
      expect.objectContaining({
        vulnerability: 'CVE-2026-43970',
        records: ['CVE-2026-43970', 'GHSA-84f2-rp86-235p'],
      }),
      expect.objectContaining({
        vulnerability: 'CVE-2026-8466',
        records: ['CVE-2026-8466', 'GHSA-jfc2-q6qh-g5x8'],
      }),
    ]);
    expect(imported.files).toBeGreaterThan(400);
    expect(imported.vulnerabilities).toBeLessThan(imported.files);
    const again = await importAdvisories(await readAdvisorySource(advisories));
    expect(again.changed).toEqual([]);
  }, 120_000);

  it('finds what a changed inventory is exposed to, fixes it when upgraded, and alerts once', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    await store(org, exposedRuntime, 120);
    const before = await detail(key);
    const open = before.findings.filter((f: { source: string; status: string }) => f.source === 'runtime');
    const plug = open.find((f: { id: string }) => f.id === 'CVE-2026-54892');
    expect(plug).toMatchObject({
      package: 'plug',
      version: '1.16.1',
      status: 'open',
      severity: 'high',
      aliases: expect.arrayContaining(['GHSA-j43x-5hjq-rgxf', 'EEF-CVE-2026-54892']),
      instances: [
        expect.objectContaining({ instance: 'billing@web-1', version: '1.16.1', fixed_in: '1.16.4' }),
      ],
    });
    // stdlib's zip flaw, found on the stdlib it loads, once: not again under its OTP release.
    expect(open.filter((f: { id: string }) => f.id === 'CVE-2025-4748')).toEqual([
      expect.objectContaining({
        package: 'stdlib',
        packages: ['stdlib'],
        basis: 'application',
        advice: 'upgrade stdlib to 6.2.2.1, shipped in OTP 27.3.4.1',
        vulnerable_code: expect.objectContaining({ functions: expect.arrayContaining(['zip:unzip/1']) }),
      }),
    ]);
    expect(open.filter((f: { package: string }) => f.package === 'otp')).toEqual([]);
    expect(before.vulnerabilities.runtime.high).toBeGreaterThan(0);

    const alerts = await receiveAlerts();
    const mine = alerts.filter((alert) => alert.org === org);
    expect(mine.map((alert) => alert.vulnerability)).toContain('CVE-2026-54892');
    expect(mine.every((alert) => alert.severity === 'high' || alert.severity === 'critical')).toBe(true);

    await store(org, {
      ...exposedRuntime,
      deps: [
        { name: 'plug', version: '1.16.6' },
        { name: 'stdlib', version: '6.2.2' },
      ],
    });
    const after = await detail(key);
    const fixed = after.findings.find((f: { id: string }) => f.id === 'CVE-2026-54892');
    expect(fixed).toMatchObject({ status: 'fixed', fixed_at: expect.any(String) });
    const stillOpen = after.findings.filter(
      (f: { status: string; package: string }) => f.status === 'open' && f.package === 'plug',
    );
    expect(stillOpen).toEqual([]);
    expect((await receiveAlerts()).filter((alert) => alert.org === org)).toEqual([]);
  });

  it('keeps every instance of a deploy in the findings, though their evaluations overlap', async () => {
    const org = uniqueOrg();
    const messages = Array.from({ length: 25 }, (_, i) =>
      heartbeatMessage(org, {
        ...exposedRuntime,
        instance: `web-${String(i).padStart(2, '0')}`,
        sent_at: recently(30),
      }),
    );
    expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
    const plug = (await detail(await keyFor(org, 'read'))).findings.find(
      (f: { id: string }) => f.id === 'CVE-2026-54892',
    );
    expect(plug.instances).toHaveLength(25);
  });

  it('answers the blast radius of an advisory by any of its ids', async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    await store(org, {
      ...exposedRuntime,
      instance: 'billing@web-2',
      deps: [{ name: 'plug', version: '1.16.4' }],
    });
    const key = await keyFor(org, 'read');
    const radius = async (advisory: string) =>
      bodyOf(await lookup(httpEvent({ path: '/v1/lookup', key, query: { advisory } }), context));
    const byAlias = await radius('GHSA-j43x-5hjq-rgxf');
    expect(byAlias.advisory.id).toBe('CVE-2026-54892');
    expect(byAlias.matches[0].instances).toEqual([
      expect.objectContaining({ instance: 'billing@web-1', package: 'plug' }),
    ]);
    expect((await radius('CVE-2026-54892')).totals).toEqual(byAlias.totals);
    const unknown = await lookup(
      httpEvent({ path: '/v1/lookup', key, query: { advisory: 'CVE-1999-0001' } }),
      context,
    );
    expect(unknown.statusCode).toBe(404);
  });

  it('matches a new advisory against what already runs, in one consumer run', async () => {
    const org = uniqueOrg();
    // An organization exists from its first key, before any of its agents reports.
    const key = await keyFor(org, 'read');
    await store(org, { deps: [{ name: 'acme_widgets', version: '2.3.1' }] });
    const id = `GHSA-test-${org}`;
    const osv = {
      schema_version: '1.7.3',
      id,
      modified: new Date().toISOString(),
      published: new Date().toISOString(),
      aliases: [],
      summary: 'Remote code execution in acme_widgets',
      database_specific: { severity: 'CRITICAL' },
      affected: [
        {
          package: { ecosystem: 'Hex', name: 'acme_widgets' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.0.0' }, { fixed: '2.3.2' }] }],
        },
      ],
    };
    const result = await importAdvisories([{ name: `${id}.json`, content: JSON.stringify(osv) }]);
    expect(result.changed).toEqual([id]);
    const queued = await receiveWork('advisory');
    expect(queued).toContainEqual({ vulnerability: id });
    await rematch([{ vulnerability: id }]);
    const finding = (await detail(key)).findings.find((f: { id: string }) => f.id === id);
    expect(finding).toMatchObject({ severity: 'critical', fixed_in: '2.3.2', status: 'open' });
    const alerts = await receiveAlerts();
    expect(alerts.filter((alert) => alert.org === org && alert.vulnerability === id)).toHaveLength(1);
  });

  it('applies a corrected advisory that flags fewer versions, and fixes what it no longer flags', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    await store(org, { deps: [{ name: 'acme_gadgets', version: '1.5.0' }] });
    const id = `GHSA-corr-${org}`;
    const record = (fixed: string, modified: string) => ({
      name: `${id}.json`,
      content: JSON.stringify({
        schema_version: '1.7.3',
        id,
        modified,
        published: '2026-11-01T00:00:00Z',
        summary: 'Denial of service in acme_gadgets',
        database_specific: { severity: 'HIGH' },
        affected: [
          {
            package: { ecosystem: 'Hex', name: 'acme_gadgets' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { fixed }] }],
          },
        ],
      }),
    });
    const findingOf = async () =>
      (await detail(key)).findings.find((f: { id: string }) => f.id === id) as { status: string } | undefined;
    await importAdvisories([record('2.0.0', '2026-11-01T00:00:00Z')]);
    await rematch([{ vulnerability: id }]);
    expect(await findingOf()).toMatchObject({ status: 'open' });
    // The publisher corrects the range: 1.5.0 was never affected.
    const corrected = await importAdvisories([record('1.4.0', '2026-11-02T00:00:00Z')]);
    expect(corrected.changed).toEqual([id]);
    await rematch([{ vulnerability: id }]);
    expect(await findingOf()).toMatchObject({ status: 'fixed' });
  });

  it('re-matches an advisory that changed nothing without evaluating or writing anything', async () => {
    const org = uniqueOrg();
    await keyFor(org, 'ingest');
    const name = `acme_steady_${org.slice(-8).replaceAll('-', '_')}`;
    for (let i = 0; i < 12; i++) {
      await store(org, {
        app: `app-${i}`,
        instance: `app-${i}@1`,
        deps: [{ name, version: i < 10 ? '1.5.0' : '3.0.0' }],
      });
    }
    const id = `GHSA-stdy-${org}`;
    const record = (modified: string) => ({
      name: `${id}.json`,
      content: JSON.stringify(osvRecord(id, name, modified, { introduced: '1.0.0', fixed: '2.0.0' })),
    });
    await importAdvisories([record('2026-11-01T00:00:00Z')]);
    expect(await rematch([{ vulnerability: id }])).toBe(10);
    capacityMeter.reset();
    expect(await rematch([{ vulnerability: id }])).toBe(0);
    expect(capacityMeter.snapshot().write_units).toBe(0);
    // A new revision of the record (a later modified time alone) leaves the findings as they are.
    await importAdvisories([record('2026-11-03T00:00:00Z')]);
    expect(await rematch([{ vulnerability: id }])).toBe(0);
  });

  it('lists the advisories that affect the organization, newest first', async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    const { advisories: listed } = bodyOf(
      await advisoriesHandler(httpEvent({ path: '/v1/advisories', key: await keyFor(org, 'read') }), context),
    );
    expect(listed.map((a: { id: string }) => a.id)).toContain('CVE-2026-54892');
    const published = listed.map((a: { published: string }) => a.published);
    expect(published).toEqual([...published].sort().reverse());
    expect(listed[0]).toMatchObject({ app_environments: 1, instances: 1 });
  });

  it('answers an advisory by any of its ids in any case, with every id merged into it', async () => {
    const key = await keyFor(uniqueOrg(), 'read');
    const show = async (id: string) => {
      const event = httpEvent({ path: `/v1/advisories/${id}`, key });
      event.pathParameters = { id };
      return advisoriesHandler(event, context);
    };
    for (const id of ['CVE-2026-43970', 'ghsa-84f2-rp86-235p', 'eef-cve-2026-43970']) {
      const response = await show(id);
      expect(response.statusCode, id).toBe(200);
      expect(bodyOf(response).advisory).toMatchObject({
        id: 'CVE-2026-43970',
        ids: ['CVE-2026-43970', 'EEF-CVE-2026-43970', 'GHSA-84f2-rp86-235p'],
        merges: expect.arrayContaining([expect.objectContaining({ by: 'content' })]),
      });
    }
    expect((await show('CVE-1999-0001')).statusCode).toBe(404);
    const malformed = await show('CVE 2026');
    expect(malformed.statusCode).toBe(400);
    expect(bodyOf(malformed).error).toMatchObject({ field: 'id' });
  });

  it('merges records of one flaw imported at different times, under one id', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const name = `acme_${org.replace(/-/g, '_')}`;
    await store(org, { deps: [{ name, version: '1.2.0' }] });
    const suffix = Date.now() % 100_000;
    const cve = `CVE-2099-${suffix}`;
    const ghsa = `GHSA-test-${suffix}-yaml`;
    const yaml = [
      `id: ${ghsa}`,
      `package: ${name}`,
      `title: '${name}: Memory exhaustion in Acme.decode/1'`,
      'severity: high',
      'vulnerable_version_ranges:',
      "  - '>= 1.0.0, < 1.3.0'",
      'first_patched_versions:',
      '  - 1.3.0',
    ].join('\n');
    await importAdvisories([{ name: `packages/${name}/${ghsa}.yml`, content: yaml }]);
    await rematch([{ vulnerability: ghsa }]);
    expect((await detail(key)).findings.map((f: { id: string }) => f.id)).toContain(ghsa);

    const cveRecord = {
      dataType: 'CVE_RECORD',
      cveMetadata: { cveId: cve, state: 'PUBLISHED', dateUpdated: new Date().toISOString() },
      containers: {
        cna: {
          title: 'Memory exhaustion in Acme.decode/1',
          affected: [
            {
              packageURL: `pkg:hex/${name}`,
              versions: [{ version: '1.0.0', lessThan: '1.3.0', status: 'affected', versionType: 'semver' }],
            },
          ],
        },
      },
    };
    const second = await importAdvisories([{ name: `${cve}.json`, content: JSON.stringify(cveRecord) }]);
    expect(second.changed).toEqual([cve]);
    expect(second.merged).toEqual([expect.objectContaining({ vulnerability: cve, by: 'content' })]);
    await rematch([{ vulnerability: cve }]);
    const findings = (await detail(key)).findings.filter(
      (f: { id: string; aliases: string[] }) => f.id === cve || f.id === ghsa || f.aliases.includes(ghsa),
    );
    expect(findings).toEqual([expect.objectContaining({ id: cve, aliases: [ghsa], status: 'open' })]);
    const event = httpEvent({ path: `/v1/advisories/${ghsa}`, key });
    event.pathParameters = { id: ghsa.toLowerCase() };
    expect(bodyOf(await advisoriesHandler(event, context)).advisory.id).toBe(cve);
  });

  it('counts an OTP flaw once per instance, only where the vulnerable applications are loaded', async () => {
    const org = uniqueOrg();
    const otp27 = { elixir: '1.18.3', otp: '27.3.4.2', erts: '15.2.7' };
    await store(org, {
      instance: 'billing@web-1',
      runtime: otp27,
      deps: [
        { name: 'kernel', version: '10.2.7' },
        { name: 'public_key', version: '1.17.1' },
        { name: 'ssl', version: '11.2.12' },
      ],
    });
    // The same release, without ssl or public_key loaded.
    await store(org, {
      instance: 'billing@web-2',
      runtime: otp27,
      deps: [{ name: 'kernel', version: '10.2.7' }],
    });
    const key = await keyFor(org, 'read');
    const radius = bodyOf(
      await lookup(httpEvent({ path: '/v1/lookup', key, query: { advisory: 'CVE-2026-32144' } }), context),
    );
    expect(radius.totals).toMatchObject({ app_environments: 1, instances: 1 });
    // One row per affected package the instance loads, the instance counted once in the totals.
    expect(
      radius.matches.map((m: { package: string; instances: { instance: string }[] }) => [
        m.package,
        m.instances[0]!.instance,
      ]),
    ).toEqual([
      ['public_key', 'billing@web-1'],
      ['ssl', 'billing@web-1'],
    ]);
    const flaw = (await detail(key)).findings.filter((f: { id: string }) => f.id === 'CVE-2026-32144');
    expect(flaw).toEqual([expect.objectContaining({ packages: ['public_key', 'ssl'] })]);
  });

  it('suppresses a finding until its expiry, and keeps who did it and why', async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    const admin = await keyFor(org, 'admin');
    const suppressEvent = (method: 'POST' | 'DELETE', body?: unknown) => {
      const event = httpEvent({
        method,
        path: '/v1/apps/billing/prod/findings/GHSA-j43x-5hjq-rgxf/suppression',
        key: admin,
        body,
      });
      event.pathParameters = { app: 'billing', environment: 'prod', finding: 'GHSA-j43x-5hjq-rgxf' };
      return suppress(event, context);
    };
    const highBefore = (await detail(admin)).vulnerabilities.runtime.high;
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const accepted = await suppressEvent('POST', {
      reason: 'Only internal callers',
      author: 'ana@acme.example',
      expires_at: expiresAt,
    });
    expect(accepted.statusCode).toBe(200);
    const suppressed = await detail(admin);
    expect(suppressed.findings.find((f: { id: string }) => f.id === 'CVE-2026-54892')).toMatchObject({
      status: 'suppressed',
      suppression: { reason: 'Only internal callers', author: 'ana@acme.example', active: true },
    });
    expect(suppressed.vulnerabilities.runtime.high).toBe(highBefore - 1);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await detail(admin)).vulnerabilities.runtime.high).toBe(highBefore);

    const past = await suppressEvent('POST', {
      reason: 'x',
      author: 'a',
      expires_at: '2020-01-01T00:00:00Z',
    });
    expect(bodyOf(past).error).toMatchObject({ field: 'expires_at' });
    expect((await suppressEvent('DELETE')).statusCode).toBe(200);
  });

  it("keeps a suppression's impact analysis on the finding and in the audit trail", async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    const admin = await keyFor(org, 'admin');
    const suppressEvent = (body: object) => {
      const event = httpEvent({
        method: 'POST',
        path: '/v1/apps/billing/prod/findings/CVE-2026-54892/suppression',
        key: admin,
        body: {
          reason: 'Plug.Static is not mounted',
          author: 'ana@acme.example',
          expires_at: new Date(Date.now() + 24 * 3600 * 1000).toISOString(),
          ...body,
        },
      });
      event.pathParameters = { app: 'billing', environment: 'prod', finding: 'CVE-2026-54892' };
      return suppress(event, context);
    };
    const suppression = async () =>
      (await detail(admin)).findings.find((f: { id: string }) => f.id === 'CVE-2026-54892')?.suppression;

    const unjustified = await suppressEvent({ state: 'not_affected' });
    expect(unjustified.statusCode).toBe(400);
    expect(bodyOf(unjustified).error).toMatchObject({ field: 'justification' });
    expect(await suppression()).toBeUndefined();

    const accepted = await suppressEvent({ state: 'not_affected', justification: 'code_not_reachable' });
    expect(accepted.statusCode).toBe(200);
    expect(bodyOf(accepted).suppression).toMatchObject({
      state: 'not_affected',
      justification: 'code_not_reachable',
    });
    expect(await suppression()).toMatchObject({
      reason: 'Plug.Static is not mounted',
      state: 'not_affected',
      justification: 'code_not_reachable',
      active: true,
    });

    // Without a state, as clients sent before states existed: the risk is accepted, and said so.
    const risk = await suppressEvent({});
    expect(bodyOf(risk).suppression).toMatchObject({ state: 'exploitable' });
    expect(bodyOf(risk).suppression).not.toHaveProperty('justification');
    expect(await suppression()).toMatchObject({ state: 'exploitable' });
    expect(await suppression()).not.toHaveProperty('justification');

    const { Items: audit = [] } = await documents.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
        ExpressionAttributeValues: { ':pk': `ORG#${org}`, ':audit': 'AUDIT#' },
        ConsistentRead: true,
      }),
    );
    expect(audit).toHaveLength(2);
    expect(audit.find((item) => item.state === 'not_affected')).toMatchObject({
      action: 'suppress',
      vulnerability: 'CVE-2026-54892',
      justification: 'code_not_reachable',
    });
    const acceptedRisk = audit.find((item) => item.state === 'exploitable');
    expect(acceptedRisk).toMatchObject({ action: 'suppress', vulnerability: 'CVE-2026-54892' });
    expect(acceptedRisk).not.toHaveProperty('justification');
  });
  it('takes advisory ids in lower case on every route', async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    const read = await keyFor(org, 'read');
    const admin = await keyFor(org, 'admin');

    const radius = async (advisory: string) =>
      lookup(httpEvent({ path: '/v1/lookup', key: read, query: { advisory } }), context);
    const lower = await radius('cve-2026-54892');
    expect(lower.statusCode).toBe(200);
    expect(bodyOf(lower).advisory.id).toBe('CVE-2026-54892');
    expect(bodyOf(lower).matches).toHaveLength(1);
    expect(bodyOf(lower).totals).toEqual(bodyOf(await radius('CVE-2026-54892')).totals);
    expect(bodyOf(await radius('ghsa-j43x-5hjq-rgxf')).totals).toEqual(bodyOf(lower).totals);

    const event = httpEvent({ path: '/v1/advisories/cve-2026-54892', key: read });
    event.pathParameters = { id: 'cve-2026-54892' };
    const shown = await advisoriesHandler(event, context);
    expect(shown.statusCode).toBe(200);
    expect(bodyOf(shown).advisory.id).toBe('CVE-2026-54892');

    const suppressed = await suppressionOf(admin, 'ghsa-j43x-5hjq-rgxf', 'POST');
    expect(suppressed.statusCode).toBe(200);
    expect(bodyOf(suppressed)).toMatchObject({ vulnerability: 'CVE-2026-54892' });
    const finding = async () =>
      (await detail(admin)).findings.find((f: { id: string }) => f.id === 'CVE-2026-54892');
    expect(await finding()).toMatchObject({ status: 'suppressed' });
    const lifted = await suppressionOf(admin, 'cve-2026-54892', 'DELETE');
    expect(lifted.statusCode).toBe(200);
    expect(bodyOf(lifted)).toMatchObject({ vulnerability: 'CVE-2026-54892', suppression: null });
    expect(await finding()).toMatchObject({ status: 'open' });
  });

  it('suppresses a finding whose advisory is no longer imported, by the id it is stored under', async () => {
    const org = uniqueOrg();
    await store(org, exposedRuntime);
    const admin = await keyFor(org, 'admin');
    const id = `MUSTER-WITHDRAWN-${Date.now() % 100_000}`;
    const withdrawn: FindingItem = {
      ...findingKeys(org, 'billing', 'prod', id),
      app: 'billing',
      environment: 'prod',
      vulnerability: id,
      aliases: [],
      summary: 'An advisory since withdrawn from its feed',
      severity: 'high',
      package: 'plug',
      packages: ['plug'],
      ecosystem: 'hex',
      basis: 'application',
      vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
      instances: [],
      instance_count: 1,
      fixed_in: null,
      upgrades: [],
      advisory_revision: '',
      status: 'open',
      opened_at: new Date().toISOString(),
      evaluated_at: new Date().toISOString(),
    };
    await writeFindingChanges([withdrawn], []);
    const stored = async () =>
      (await readAppEnvironmentFindings(org, 'billing', 'prod', true)).find((f) => f.vulnerability === id);

    const exact = await suppressionOf(admin, id, 'POST');
    expect(exact.statusCode).toBe(200);
    expect(bodyOf(exact)).toMatchObject({ vulnerability: id });
    expect((await stored())?.suppression).toMatchObject({ reason: 'Only internal callers' });
    const lower = await suppressionOf(admin, id.toLowerCase(), 'DELETE');
    expect(lower.statusCode).toBe(200);
    expect(bodyOf(lower)).toMatchObject({ vulnerability: id });
    expect((await stored())?.suppression).toBeUndefined();
    expect((await suppressionOf(admin, 'MUSTER-NEVER-1', 'DELETE')).statusCode).toBe(404);
  });
});

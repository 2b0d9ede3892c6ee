import { PackageURL } from 'packageurl-js';
import { describe, expect, it, vi } from 'vitest';
import { handler as apps } from '../../functions/apps.ts';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { handler as suppressFinding } from '../../functions/suppress-finding.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import type { Sbom } from '../../shared/sbom.ts';
import { cyclonedxErrors } from '../support/cyclonedx.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

const sbomRoute = '/v1/apps/{app}/{environment}/sbom';

async function store(org: string, heartbeats: Partial<Heartbeat>[]) {
  const messages = heartbeats.map((heartbeat) =>
    heartbeatMessage(org, { sent_at: recently(60), ...heartbeat }),
  );
  expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
}

function sbomEvent(key: string | undefined, app: string, environment: string) {
  const event = httpEvent({ path: sbomRoute, key });
  event.pathParameters = { app, environment };
  return event;
}

const getSbom = (key: string | undefined, app = 'billing', environment = 'prod') =>
  apps(sbomEvent(key, app, environment), context);

describe('GET /v1/apps/{app}/{environment}/sbom', () => {
  it('answers what the live instances run as a valid CycloneDX 1.6 document, with the open findings', async () => {
    const org = uniqueOrg();
    const name = packageName(org);
    const advisory = await criticalAdvisoryOf(name, '2.0.0');
    // An agent's strings are data: this instance name must come back exactly as sent.
    const hostile = 'web-2 "</script><script>alert(1)</script>';
    await store(org, [
      {
        instance: 'web-1',
        deps: [
          { name, version: '1.0.0' },
          { name: 'plug', version: '1.16.1' },
        ],
      },
      {
        instance: hostile,
        release: { name: 'billing', version: '0.4.3' },
        git_sha: 'a1b2c3d',
        deps: [
          { name, version: '2.0.0' },
          { name: 'plug', version: '1.16.1' },
        ],
      },
    ]);
    const result = await getSbom(await keyFor(org, 'read'));
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'content-type': 'application/vnd.cyclonedx+json; version=1.6',
      'content-disposition': 'attachment; filename="billing-prod.cdx.json"',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    expect(await cyclonedxErrors(result.body!)).toBeNull();

    const sbom = JSON.parse(result.body!) as Sbom;
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    const root = sbom.metadata.component;
    expect(root.name).toBe('billing');
    expect(root.properties).toContainEqual({ name: 'muster:git_sha', value: 'a1b2c3d' });
    expect(root.properties).toContainEqual({ name: 'muster:instance', value: hostile });
    const purls = sbom.components.map((part) => part.purl);
    expect(purls).toEqual(
      expect.arrayContaining([
        `pkg:hex/${name}@1.0.0`,
        `pkg:hex/${name}@2.0.0`,
        'pkg:hex/plug@1.16.1',
        'pkg:otp/elixir@1.17.3',
        'pkg:github/erlang/otp@27.1.2',
        'pkg:otp/erts@15.1.2',
      ]),
    );
    for (const purl of purls) expect(PackageURL.fromString(purl!).toString()).toBe(purl);
    const drifted = sbom.components.find((part) => part.purl === `pkg:hex/${name}@2.0.0`)!;
    expect(drifted.properties).toContainEqual({ name: 'muster:instance', value: hostile });

    const vulnerability = sbom.vulnerabilities.find((entry) => entry.id === advisory)!;
    expect(vulnerability).toMatchObject({
      source: { name: 'GitHub', url: `https://github.com/advisories/${advisory}` },
      ratings: [{ severity: 'critical' }],
      description: `Remote code execution in ${name}`,
      affects: [{ ref: `pkg:hex/${name}@1.0.0`, versions: [{ version: '1.0.0', status: 'affected' }] }],
    });
    expect(vulnerability.analysis).toBeUndefined();
  });

  it('exports an admin’s suppression as the vulnerability’s VEX analysis', async () => {
    const org = uniqueOrg();
    const name = packageName(org);
    const advisory = await criticalAdvisoryOf(name, '2.0.0');
    await store(org, [{ instance: 'web-1', deps: [{ name, version: '1.0.0' }] }]);
    const suppress = httpEvent({
      method: 'POST',
      path: `/v1/apps/billing/prod/findings/${advisory}/suppression`,
      key: await keyFor(org, 'admin'),
      body: {
        reason: 'The vulnerable function is never called',
        author: 'ana@acme.example',
        expires_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
        state: 'not_affected',
        justification: 'code_not_reachable',
      },
    });
    suppress.pathParameters = { app: 'billing', environment: 'prod', finding: advisory };
    expect((await suppressFinding(suppress, context)).statusCode).toBe(200);

    const result = await getSbom(await keyFor(org, 'read'));
    expect(await cyclonedxErrors(result.body!)).toBeNull();
    const vulnerability = (JSON.parse(result.body!) as Sbom).vulnerabilities.find(
      (entry) => entry.id === advisory,
    )!;
    expect(vulnerability.analysis).toMatchObject({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: 'The vulnerable function is never called',
    });
    expect(vulnerability.properties).toContainEqual({ name: 'muster:status', value: 'suppressed' });
  });

  it('answers 404 for an app-environment of another organization, 400 for a bad path, 401 and 403 for keys', async () => {
    const owner = uniqueOrg();
    await store(owner, [{ instance: 'web-1' }]);
    const other = await keyFor(uniqueOrg(), 'read');
    const missing = await getSbom(other);
    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).error.code).toBe('not_found');

    const badPath = await getSbom(other, 'Billing!', 'prod');
    expect(badPath.statusCode).toBe(400);
    expect(bodyOf(badPath).error.field).toBe('app');

    expect((await getSbom(undefined)).statusCode).toBe(401);
    expect((await getSbom(await keyFor(owner, 'ingest'))).statusCode).toBe(403);
  });

  it('exports an app-environment of 5,000 dependencies in one response, reading in proportion to it', async () => {
    const org = uniqueOrg();
    // Two instances disagree on every version: 10,000 components, each naming its instance.
    const deps = (major: number) =>
      Array.from({ length: 5000 }, (_, i) => ({ name: `dep_${i}`, version: `${major}.0.${i}` }));
    await store(org, [
      { instance: 'web-1', deps: deps(1) },
      { instance: 'web-2', deps: deps(2) },
    ]);
    capacityMeter.reset();
    const result = await getSbom(await keyFor(org, 'read'));
    const units = capacityMeter.snapshot().read_units;
    expect(result.statusCode).toBe(200);
    const sbom = JSON.parse(result.body!) as Sbom;
    expect(sbom.components.filter((part) => part.name.startsWith('dep_'))).toHaveLength(10_000);
    expect(await cyclonedxErrors(result.body!)).toBeNull();
    // Within one Lambda response, as Lambda sends it: the body escaped as a JSON string.
    expect(Buffer.byteLength(JSON.stringify(result.body))).toBeLessThan(5 * 1024 * 1024);
    // 10,006 dependency items, about 1.6 MB read eventually consistent: 0.5 unit per 4 KB, about 200.
    expect(units).toBeGreaterThan(100);
    expect(units).toBeLessThan(300);
  });

  it('answers an SBOM too large for one response with a 303 to a download of it', async () => {
    const org = uniqueOrg();
    await store(org, [{ instance: 'web-1' }]);
    // The threshold is read once, at cold start: a handler loaded afresh reads the lowered one.
    process.env.SBOM_INLINE_BYTES = '1024';
    vi.resetModules();
    const { handler: smallAnswers } = await import('../../functions/apps.ts');
    delete process.env.SBOM_INLINE_BYTES;
    const result = await smallAnswers(sbomEvent(await keyFor(org, 'read'), 'billing', 'prod'), context);
    expect(result.statusCode).toBe(303);
    const location = result.headers!.location as string;
    expect(new URL(location).pathname).toMatch(new RegExp(`/exports/${org}/[0-9a-f-]{36}\\.json$`));
    expect(bodyOf(result)).toEqual({ url: location, expires_at: expect.any(String) });

    const download = await fetch(location);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/vnd.cyclonedx+json; version=1.6');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="billing-prod.cdx.json"');
    const document = await download.text();
    expect(await cyclonedxErrors(document)).toBeNull();
    expect((JSON.parse(document) as Sbom).metadata.component.name).toBe('billing');
  });
});

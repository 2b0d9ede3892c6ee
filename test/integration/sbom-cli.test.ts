import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { loadHandler } from '../../infra/local/handlers.ts';
import type { Sbom } from '../../shared/sbom.ts';
import { cliFor } from '../support/cli.ts';
import { startDependencyTrackServer } from '../support/dependency-track-server.ts';
import { context, workEvent } from '../support/events.ts';
import { heartbeat, heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, servers } from '../support/local-services.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

/**
 * `muster sbom`, run as a process against the local gateway: the document the API answers, written
 * byte for byte to a file or stdout, fetched through the presigned download when it is too large for a
 * response, and uploaded to Dependency-Track (a loopback stand-in) as its JSON BOM upload.
 */

const org = uniqueOrg('sbom');
const dependency = packageName(org);
const dependencyTrackKey = 'odt_loopback-key';

const operator = cliFor(servers);
const files = mkdtempSync(join(tmpdir(), 'muster-sbom-'));
let gateway: Gateway;
/** A gateway whose apps function answers every SBOM with a 303 to its presigned download. */
let redirecting: Gateway;
let readKey: string;
let advisory: string;
let dependencyTrack: Awaited<ReturnType<typeof startDependencyTrackServer>>;

/** The CLI, with these environment variables set (undefined: unset) for this run only. */
async function muster(environment: Record<string, string | undefined>, ...args: string[]) {
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  try {
    return await operator.run(...args);
  } finally {
    vi.unstubAllEnvs();
  }
}

/** Against the gateway with the organization's read key, as an operator points the CLI at a stack. */
const againstGateway = (extra: Record<string, string | undefined> = {}) => ({
  MUSTER_ENDPOINT: gateway.url,
  MUSTER_API_KEY: readKey,
  DEPENDENCY_TRACK_API_KEY: undefined,
  ...extra,
});

/** The SBOM as the API answers it, the CLI left out. */
async function apiAnswer(path = '/v1/apps/billing/prod/sbom'): Promise<string> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${readKey}` } });
  expect(response.status).toBe(200);
  return response.text();
}

/** Two answers differ in their serial number and timestamp alone: each answer is a new document. */
const withoutIdentity = (document: string) =>
  document
    .replace(/"serialNumber":"urn:uuid:[0-9a-f-]{36}"/, '"serialNumber":"-"')
    .replace(/"timestamp":"[^"]+"/, '"timestamp":"-"');

const file = (name: string) => join(files, name);

beforeAll(async () => {
  // The threshold is read once, at cold start. This file's gateway loads its function first, with the
  // default; a gateway loaded afresh then loads its own while the threshold is lowered to one byte.
  await loadHandler('apps');
  process.env.SBOM_INLINE_BYTES = '1';
  vi.resetModules();
  const fresh = await import('../../infra/local/gateway.ts');
  await (await import('../../infra/local/handlers.ts')).loadHandler('apps');
  delete process.env.SBOM_INLINE_BYTES;
  [gateway, redirecting] = await Promise.all([startGateway(0), fresh.startGateway(0)]);

  advisory = await criticalAdvisoryOf(dependency, '2.0.0');
  const deps = [...heartbeat().deps, { name: dependency, version: '1.0.0' }];
  const stored = await processWork(
    workEvent('heartbeat', [
      heartbeatMessage(org, { instance: 'billing@web-1', deps }),
      heartbeatMessage(org, { instance: 'billing@web-2', deps }),
    ]),
    context,
  );
  expect(stored.batchItemFailures).toEqual([]);
  readKey = await keyFor(org, 'read');
  dependencyTrack = await startDependencyTrackServer(dependencyTrackKey);
});

afterAll(async () => {
  await Promise.all([gateway?.close(), redirecting?.close(), dependencyTrack?.stop()]);
  operator.remove();
  rmSync(files, { recursive: true, force: true });
});

describe('muster sbom', () => {
  it('writes the document the API answers to --out, and says what it holds', async () => {
    const out = file('billing-prod.cdx.json');
    const run = await muster(againstGateway(), 'sbom', 'billing', 'prod', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const written = readFileSync(out, 'utf8');
    expect(withoutIdentity(written)).toBe(withoutIdentity(await apiAnswer()));

    const document = JSON.parse(written) as Sbom;
    expect(document.bomFormat).toBe('CycloneDX');
    expect(document.specVersion).toBe('1.6');
    expect(document.components.map((component) => component.purl)).toContain(`pkg:hex/${dependency}@1.0.0`);
    // Advisories other test files import may flag this inventory too: only this one is asked for.
    expect(document.vulnerabilities.map((vulnerability) => vulnerability.id)).toContain(advisory);
    const vulnerabilities = document.vulnerabilities.length;
    expect(run.stdout).toBe(
      `Wrote billing/prod: ${document.components.length} components, ${vulnerabilities} ${vulnerabilities === 1 ? 'vulnerability' : 'vulnerabilities'} to ${out}\n`,
    );
  });

  it('writes the document to stdout without --out', async () => {
    const run = await muster(againstGateway(), 'sbom', 'billing', 'prod');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(withoutIdentity(run.stdout)).toBe(withoutIdentity(await apiAnswer()));
  });

  it('says what the API refused, and exits 1', async () => {
    const unknown = await muster(againstGateway(), 'sbom', 'billing', 'nowhere');
    expect(unknown).toEqual({
      code: 1,
      stdout: '',
      stderr: '404: no app-environment billing/nowhere in this organization\n',
    });
    const malformed = await muster(againstGateway(), 'sbom', 'Billing App', 'prod');
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toMatch(/^400: app: /);
    const unauthorized = await muster(
      againstGateway({ MUSTER_API_KEY: 'msk_not-a-key' }),
      'sbom',
      'billing',
      'prod',
    );
    expect(unauthorized.code).toBe(1);
    expect(unauthorized.stderr).toMatch(/^401: /);
  });

  it('is a usage error without APP and ENVIRONMENT, or with --dependency-track but no key', async () => {
    const missing = await muster(againstGateway(), 'sbom', 'billing');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sbom needs APP and ENVIRONMENT\n\nUsage:/);
    const keyless = await muster(
      againstGateway(),
      'sbom',
      'billing',
      'prod',
      '--dependency-track',
      dependencyTrack.url,
    );
    expect(keyless.code).toBe(2);
    expect(keyless.stderr).toMatch(/^--dependency-track needs DEPENDENCY_TRACK_API_KEY/);
    expect(dependencyTrack.accepted).toHaveLength(0);
  });

  it('follows the 303 of a document too large for a response to its download', async () => {
    const direct = await fetch(`${redirecting.url}/v1/apps/billing/prod/sbom`, {
      headers: { authorization: `Bearer ${readKey}` },
      redirect: 'manual',
    });
    expect(direct.status).toBe(303);
    expect(new URL(direct.headers.get('location')!).origin).toBe(new URL(servers.s3).origin);

    const out = file('redirected.cdx.json');
    const run = await muster(
      againstGateway({ MUSTER_ENDPOINT: redirecting.url }),
      'sbom',
      'billing',
      'prod',
      '--out',
      out,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(withoutIdentity(readFileSync(out, 'utf8'))).toBe(withoutIdentity(await apiAnswer()));
  });

  it('sends its key to the API and not to the download the API redirects to', async () => {
    // Exact bytes a JSON round trip would not keep: indentation, non-ASCII text, a final newline.
    const served = Buffer.from(
      `${JSON.stringify(
        {
          bomFormat: 'CycloneDX',
          specVersion: '1.6',
          metadata: { component: { type: 'application', name: 'caf\u00e9' } },
          components: [{ type: 'library', name: 'plug', version: '1.16.1', purl: 'pkg:hex/plug@1.16.1' }],
          vulnerabilities: [],
        },
        null,
        2,
      )}\n`,
    );
    const download = await loopback((_, response) => {
      response.writeHead(200, { 'content-type': 'application/vnd.cyclonedx+json; version=1.6' }).end(served);
    });
    const api = await loopback((_, response) => {
      const url = `${download.url}/exports/${org}/document.cdx.json?X-Amz-Signature=abc`;
      response
        .writeHead(303, { location: url, 'content-type': 'application/json' })
        .end(JSON.stringify({ url, expires_at: new Date().toISOString() }));
    });
    try {
      const out = file('loopback.cdx.json');
      const run = await muster(
        { MUSTER_ENDPOINT: api.url, MUSTER_API_KEY: 'msk_sent-to-the-api' },
        'sbom',
        'billing',
        'prod',
        '--out',
        out,
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`Wrote billing/prod: 1 component, 0 vulnerabilities to ${out}\n`);
      expect(readFileSync(out).equals(served)).toBe(true);
      expect(api.requests).toEqual([
        expect.objectContaining({
          path: '/v1/apps/billing/prod/sbom',
          authorization: 'Bearer msk_sent-to-the-api',
        }),
      ]);
      expect(download.requests).toEqual([
        expect.objectContaining({ path: `/exports/${org}/document.cdx.json?X-Amz-Signature=abc` }),
      ]);
      expect(download.requests[0]!.authorization).toBeUndefined();
    } finally {
      await Promise.all([api.stop(), download.stop()]);
    }
  });
});

describe('muster sbom --dependency-track', () => {
  it('uploads the bytes it writes as project APP, version ENVIRONMENT, created when missing', async () => {
    const out = file('uploaded.cdx.json');
    const run = await muster(
      againstGateway({ DEPENDENCY_TRACK_API_KEY: dependencyTrackKey }),
      'sbom',
      'billing',
      'prod',
      '--out',
      out,
      '--dependency-track',
      `${dependencyTrack.url}/`,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [upload] = dependencyTrack.accepted.slice(-1);
    expect(upload).toMatchObject({ projectName: 'billing', projectVersion: 'prod', autoCreate: true });
    expect(upload!.headers['content-type']).toBe('application/json');
    expect(upload!.bom.equals(readFileSync(out))).toBe(true);
    expect(run.stdout.split('\n')).toEqual([
      expect.stringMatching(/^Wrote billing\/prod: \d+ components, \d+ vulnerabilit(y|ies) to /),
      `Dependency-Track accepted billing/prod as project billing version prod (token ${upload!.token})`,
      '',
    ]);
  });

  it('uploads instead of printing without --out, under the project and version given', async () => {
    const before = dependencyTrack.accepted.length;
    const run = await muster(
      againstGateway({ DEPENDENCY_TRACK_API_KEY: dependencyTrackKey }),
      'sbom',
      'billing',
      'prod',
      '--dependency-track',
      dependencyTrack.url,
      '--project',
      'Billing',
      '--project-version',
      'production',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(dependencyTrack.accepted).toHaveLength(before + 1);
    const upload = dependencyTrack.accepted[before]!;
    expect(upload).toMatchObject({ projectName: 'Billing', projectVersion: 'production', autoCreate: true });
    expect(withoutIdentity(upload.bom.toString('utf8'))).toBe(withoutIdentity(await apiAnswer()));
    expect(run.stdout).toBe(
      `Dependency-Track accepted billing/prod as project Billing version production (token ${upload.token})\n`,
    );
  });

  it('says what Dependency-Track refused, and exits 1', async () => {
    const before = dependencyTrack.accepted.length;
    const run = await muster(
      againstGateway({ DEPENDENCY_TRACK_API_KEY: 'odt_revoked' }),
      'sbom',
      'billing',
      'prod',
      '--dependency-track',
      dependencyTrack.url,
    );
    expect(run).toEqual({ code: 1, stdout: '', stderr: 'Dependency-Track answered 401 Unauthorized\n' });
    expect(dependencyTrack.accepted).toHaveLength(before);
  });
});

interface SeenRequest {
  path: string;
  authorization: string | undefined;
  headers: IncomingHttpHeaders;
}

/** A server on loopback, an origin of its own, that records each request's path and credentials. */
async function loopback(answer: Parameters<typeof createServer>[1] & {}) {
  const requests: SeenRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({
      path: request.url ?? '',
      authorization: request.headers.authorization,
      headers: request.headers,
    });
    answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

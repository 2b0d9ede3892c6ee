import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVulnerability } from '../../functions/stores/advisory-store.ts';
import { handler as syncAdvisories } from '../../functions/sync-advisories.ts';
import { receiveAll } from '../support/local-services.ts';

/**
 * The daily sync, against a loopback server that serves an OSV export as a zip, the way OSV serves
 * its Hex export: the first run imports it, the next imports nothing, since nothing was modified.
 */

const osvHex = new URL('../../../shared/advisories/osv-hex/', import.meta.url).pathname;
let server: Server;
let url: string;
/** One record of this run's own, so that the first sync has something new whatever other tests stored. */
const ownId = `GHSA-sync-${Date.now().toString(36)}`;

beforeAll(async () => {
  const files = readdirSync(osvHex)
    .filter((name) => name.endsWith('.json'))
    .slice(0, 20);
  const own = {
    schema_version: '1.7.3',
    id: ownId,
    modified: '2026-11-01T00:00:00Z',
    summary: 'A flaw in acme_sync',
    affected: [
      {
        package: { ecosystem: 'Hex', name: 'acme_sync' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
      },
    ],
  };
  const zip = zipSync({
    ...Object.fromEntries(files.map((name) => [name, readFileSync(join(osvHex, name))])),
    [`${ownId}.json`]: Buffer.from(JSON.stringify(own)),
  });
  server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/zip' });
    response.end(Buffer.from(zip));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/Hex/all.zip`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.skipIf(!existsSync(osvHex))('sync-advisories', () => {
  it('imports a zipped OSV export from a URL, then only what was modified since', async () => {
    process.env.ADVISORY_SOURCES = url;
    const first = await syncAdvisories();
    expect(first.sources).toBe(1);
    expect(first.changed).toBeGreaterThan(0);
    expect(await receiveAll('advisories')).toContainEqual({ vulnerability: ownId });
    expect(await readVulnerability('EEF-CVE-2025-4754')).toMatchObject({ id: 'CVE-2025-4754' });
    const second = await syncAdvisories();
    expect(second.changed).toBe(0);
  });
});

import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';

/**
 * Advisory feeds on loopback, laid out as the real ones are: an OSV bucket directory
 * (`/osv/Hex/modified_id.csv`, `/osv/Hex/<id>.json`, `/osv/Hex/all.zip`) and the EEF CNA's CVE
 * records (`/cna/cves/index.json`, `/cna/cves/<id>.json`). Both answer conditional requests with 304
 * as GCS and static hosts do. Records are published, changed and withdrawn by the test; `requests`
 * shows what a sync asked for.
 */
export class AdvisoryFeedServer {
  /** OSV records of the Hex directory, by id; each needs `modified`. */
  readonly osv = new Map<string, Record<string, unknown>>();
  /** CVE JSON 5 records by CVE id; each needs `cveMetadata.dateUpdated`. */
  readonly cve = new Map<string, Record<string, unknown>>();
  /** Served instead of a record's JSON, by path: a record that does not parse. */
  readonly raw = new Map<string, string>();
  /** Paths that never answer. */
  readonly hanging = new Set<string>();
  readonly requests: string[] = [];
  private server?: Server;
  url = '';

  get osvSource(): string {
    return `osv:${this.url}/osv/Hex`;
  }

  get cveSource(): string {
    return `cve:${this.url}/cna/cves/index.json`;
  }

  /** The paths requested since the last call, and whether each was answered 304. */
  takeRequests(): string[] {
    return this.requests.splice(0);
  }

  private modifiedIds(): string {
    return [...this.osv.values()]
      .sort((a, b) => String(b.modified).localeCompare(String(a.modified)))
      .map((record) => `${record.modified},${record.id}\n`)
      .join('');
  }

  private cveIndex(): string {
    return JSON.stringify(
      [...this.cve.entries()].map(([id, record]) => {
        const metadata = record.cveMetadata as Record<string, string>;
        return {
          id,
          title: (record.containers as { cna: { title?: string } }).cna.title ?? id,
          datePublished: metadata.datePublished,
          dateUpdated: metadata.dateUpdated,
          details: `/cna/cves/${id}.json`,
        };
      }),
    );
  }

  private document(path: string): Buffer | undefined {
    const raw = this.raw.get(path);
    if (raw !== undefined) return Buffer.from(raw);
    if (path === '/osv/Hex/modified_id.csv') return Buffer.from(this.modifiedIds());
    if (path === '/osv/Hex/all.zip') {
      const files = Object.fromEntries(
        [...this.osv.entries()].map(([id, record]) => [`${id}.json`, Buffer.from(JSON.stringify(record))]),
      );
      return Buffer.from(zipSync(files));
    }
    if (path === '/cna/cves/index.json') return Buffer.from(this.cveIndex());
    const osvRecord = /^\/osv\/Hex\/([^/]+)\.json$/.exec(path)?.[1];
    if (osvRecord && this.osv.has(osvRecord)) return Buffer.from(JSON.stringify(this.osv.get(osvRecord)));
    const cveRecord = /^\/cna\/cves\/([^/]+)\.json$/.exec(path)?.[1];
    if (cveRecord && this.cve.has(cveRecord)) return Buffer.from(JSON.stringify(this.cve.get(cveRecord)));
    return undefined;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (this.hanging.has(path)) {
        this.requests.push(`${path} (hung)`);
        return;
      }
      const body = this.document(path);
      if (!body) {
        this.requests.push(`${path} 404`);
        response.writeHead(404).end('Not Found');
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (request.headers['if-none-match'] === etag) {
        this.requests.push(`${path} 304`);
        response.writeHead(304, { etag }).end();
        return;
      }
      this.requests.push(path);
      response.writeHead(200, { etag, 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}

/** An OSV record of one Hex package, affected from `introduced` until `fixed`. */
export function osvRecord(
  id: string,
  name: string,
  modified: string,
  range: { introduced: string; fixed?: string },
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    schema_version: '1.7.3',
    id,
    modified,
    published: '2026-11-01T00:00:00Z',
    summary: `A flaw in ${name}`,
    database_specific: { severity: 'HIGH' },
    affected: [
      {
        package: { ecosystem: 'Hex', name },
        ranges: [
          {
            type: 'ECOSYSTEM',
            events: [{ introduced: range.introduced }, ...(range.fixed ? [{ fixed: range.fixed }] : [])],
          },
        ],
      },
    ],
    ...extra,
  };
}

/** A CVE JSON 5 record from the CNA of one Hex package, affected below `lessThan`. */
export function cveRecord(
  id: string,
  name: string,
  updated: string,
  lessThan: string,
): Record<string, unknown> {
  return {
    dataType: 'CVE_RECORD',
    dataVersion: '5.1',
    cveMetadata: {
      cveId: id,
      state: 'PUBLISHED',
      datePublished: '2026-11-01T00:00:00Z',
      dateUpdated: updated,
    },
    containers: {
      cna: {
        title: `A flaw in ${name}`,
        affected: [
          {
            packageURL: `pkg:hex/${name}`,
            defaultStatus: 'unaffected',
            versions: [{ version: '0', lessThan, status: 'affected', versionType: 'semver' }],
          },
        ],
        metrics: [{ cvssV3_1: { vectorString: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } }],
      },
    },
  };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import type { Scope } from '../../shared/api-keys.ts';
import { maxBodyBytes } from '../../shared/resources.ts';
import { heartbeat, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';

/** Bad requests through the local gateway: each gets its status and names its field; none gets a 500. */

let gateway: Gateway;
const keys = {} as Record<Scope, string>;

beforeAll(async () => {
  gateway = await startGateway(0);
  const org = uniqueOrg();
  for (const scope of ['ingest', 'ci', 'read', 'admin'] as const) keys[scope] = await keyFor(org, scope);
});

afterAll(() => gateway.close());

interface Row {
  name: string;
  method: string;
  path: string;
  scope?: Scope;
  authorization?: string;
  contentType?: string;
  body?: unknown;
  raw?: string;
  status: number;
  field?: string;
}

const valid = heartbeat();
const rows: Row[] = [
  { name: 'no key', method: 'POST', path: '/v1/heartbeat', body: valid, status: 401 },
  {
    name: 'a malformed key',
    method: 'POST',
    path: '/v1/heartbeat',
    authorization: 'Bearer x',
    body: valid,
    status: 401,
  },
  {
    name: 'basic auth',
    method: 'POST',
    path: '/v1/heartbeat',
    authorization: 'Basic dXNlcjpwYXNz',
    body: valid,
    status: 401,
  },
  {
    name: 'a read key on ingest',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'read',
    body: valid,
    status: 403,
  },
  {
    name: 'an ingest key on lookup',
    method: 'GET',
    path: '/v1/lookup?package=plug&version=1.0.0',
    scope: 'ingest',
    status: 403,
  },
  {
    name: 'a ci key on heartbeats',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ci',
    body: valid,
    status: 403,
  },
  {
    name: 'text',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    contentType: 'text/plain',
    raw: 'hello',
    status: 415,
  },
  {
    name: 'no content type',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    contentType: '',
    raw: '{}',
    status: 415,
  },
  {
    name: 'a body over 1 MiB',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    raw: ' '.repeat(maxBodyBytes + 1),
    status: 413,
  },
  {
    name: 'a body over 10 MB',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    raw: ' '.repeat(10 * 1024 * 1024 + 1),
    status: 413,
  },
  {
    name: 'broken JSON',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    raw: '{"app": ',
    status: 400,
    field: 'body',
  },
  {
    name: 'JSON null',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    raw: 'null',
    status: 400,
    field: 'body',
  },
  {
    name: 'a path in app',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, app: '../etc' },
    status: 400,
    field: 'app',
  },
  {
    name: 'a long instance',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, instance: 'i'.repeat(201) },
    status: 400,
    field: 'instance',
  },
  {
    name: 'a bad date',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, sent_at: '29/11/2026' },
    status: 400,
    field: 'sent_at',
  },
  {
    name: 'a sent_at an hour ahead of the server',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, sent_at: new Date(Date.now() + 3600_000).toISOString() },
    status: 400,
    field: 'sent_at',
  },
  {
    name: 'a date that does not exist',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, sent_at: '2026-02-30T10:00:00Z' },
    status: 400,
    field: 'sent_at',
  },
  {
    name: 'a stopping flag that is not a boolean',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, stopping: 'true' },
    status: 400,
    field: 'stopping',
  },
  {
    name: 'a script URL',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, urls: ['javascript:alert(1)'] },
    status: 400,
    field: 'urls[0]',
  },
  {
    name: 'a version with a space',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, deps: [{ name: 'plug', version: '1 .0' }] },
    status: 400,
    field: 'deps[0].version',
  },
  {
    name: 'a 15-digit number',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, deps: [{ name: 'plug', version: '100000000000000.0.0' }] },
    status: 400,
    field: 'deps[0].version',
  },
  {
    name: 'too many deps',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, deps: Array.from({ length: 5001 }, (_, i) => ({ name: `p${i}`, version: '1.0.0' })) },
    status: 400,
    field: 'deps',
  },
  {
    name: 'an object for deps',
    method: 'POST',
    path: '/v1/heartbeat',
    scope: 'ingest',
    body: { ...valid, deps: { plug: '1.0.0' } },
    status: 400,
    field: 'deps',
  },
  {
    name: 'no package',
    method: 'GET',
    path: '/v1/lookup?version=1.0.0',
    scope: 'read',
    status: 400,
    field: 'package',
  },
  {
    name: 'no version',
    method: 'GET',
    path: '/v1/lookup?package=plug',
    scope: 'read',
    status: 400,
    field: 'version',
  },
  {
    name: 'a control character',
    method: 'GET',
    path: '/v1/lookup?package=pl%00ug&version=1.0.0',
    scope: 'read',
    status: 400,
    field: 'package',
  },
  { name: 'an unknown app', method: 'GET', path: '/v1/apps/nothing/here', scope: 'read', status: 404 },
  {
    name: 'an upper-case app',
    method: 'GET',
    path: '/v1/apps/Nothing/here',
    scope: 'read',
    status: 400,
    field: 'app',
  },
  {
    name: 'a read key on PATCH',
    method: 'PATCH',
    path: '/v1/apps/nothing/here',
    scope: 'read',
    body: { handles_pii: true },
    status: 403,
  },
  {
    name: 'an empty PATCH',
    method: 'PATCH',
    path: '/v1/apps/nothing/here',
    scope: 'admin',
    body: {},
    status: 400,
    field: 'body',
  },
  {
    name: 'a PATCH of nothing',
    method: 'PATCH',
    path: '/v1/apps/nothing/here',
    scope: 'admin',
    body: { handles_pii: true },
    status: 404,
  },
  {
    name: 'an unknown tool',
    method: 'POST',
    path: '/v1/scans',
    scope: 'ci',
    body: { app: 'a', commit_sha: 'abc1234', tool: 'credo', report: {} },
    status: 400,
    field: 'tool',
  },
  {
    name: 'a bad commit',
    method: 'POST',
    path: '/v1/scans',
    scope: 'ci',
    body: { app: 'a', commit_sha: 'HEAD', tool: 'sobelow', report: {} },
    status: 400,
    field: 'commit_sha',
  },
  {
    name: 'a report of the wrong tool',
    method: 'POST',
    path: '/v1/scans',
    scope: 'ci',
    body: { app: 'a', commit_sha: 'abc1234', tool: 'sobelow', report: { pass: true } },
    status: 400,
    field: 'report.findings',
  },
  { name: 'an unknown route', method: 'GET', path: '/v1/nothing', status: 404 },
  { name: 'an unrouted method', method: 'DELETE', path: '/v1/heartbeat', scope: 'admin', status: 404 },
];

describe('bad input', () => {
  it.each(rows)('$name: $status $field', async (row) => {
    const headers: Record<string, string> = {};
    const authorization = row.authorization ?? (row.scope ? `Bearer ${keys[row.scope]}` : undefined);
    if (authorization) headers.authorization = authorization;
    const body = row.raw ?? (row.body === undefined ? undefined : JSON.stringify(row.body));
    if (body !== undefined && row.contentType !== '')
      headers['content-type'] = row.contentType ?? 'application/json';
    const response = await fetch(`${gateway.url}${row.path}`, { method: row.method, headers, body });
    const text = await response.text();
    expect(response.status, text).toBe(row.status);
    const json = JSON.parse(text);
    if (row.field) expect(json.error.field).toBe(row.field);
    if (response.status >= 400 && response.status !== 404 && response.status !== 413) {
      expect(json.error.code).toEqual(expect.any(String));
    }
  });
});

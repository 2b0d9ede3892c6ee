import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as appsHandler } from '../../functions/apps.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import type { Scope } from '../../shared/api-keys.ts';
import { maxListedInstances } from '../../shared/entities/finding.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { urlLimits } from '../../shared/heartbeat.ts';
import { maxBodyBytes, table } from '../../shared/resources.ts';
import { utf8Bytes } from '../../shared/text.ts';
import { enforceDynamoLimits, limitProblem, organizationItems } from '../support/dynamodb-limits.ts';
import { bodyOf, context, httpEvent } from '../support/events.ts';
import { heartbeat, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';
import { runQueuedWork } from '../support/queued-work.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

/** Bad requests through the local gateway: each gets its status and names its field; none gets a 500. */

// The table refuses what DynamoDB would, measured as AWS measures it (UTF-8), which dynalite does not.
enforceDynamoLimits();

let gateway: Gateway;
const org = uniqueOrg();
const keys = {} as Record<Scope, string>;

beforeAll(async () => {
  gateway = await startGateway(0);
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

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape, which is what they check
  body: any;
}

/** A request with a key of its own, so that a file of requests never meets a key's rate limit. */
async function call(
  method: string,
  path: string,
  scope?: Scope,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const all = { ...headers };
  if (scope) all.authorization = `Bearer ${await keyFor(org, scope)}`;
  if (body !== undefined) all['content-type'] = 'application/json';
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: all,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text) };
}

const runWork = () => runQueuedWork(processWork);

/** Every item of the file's organization fits DynamoDB's limits, measured in UTF-8 as AWS measures them. */
async function expectStoredWithinLimits(): Promise<void> {
  const items = await organizationItems(org);
  expect(items.map((item) => limitProblem(item, true)).filter(Boolean)).toEqual([]);
}

const isAscii = (text: string) => [...text].every((character) => character.charCodeAt(0) < 0x80);

/** Characters that no stored or shown field takes. */
const refusedCharacters = {
  'U+FFFE': '\uFFFE',
  'U+FFFF': '\uFFFF',
  'U+FDD0': '\uFDD0',
  'U+FDEF': '\uFDEF',
  'U+1FFFE': '\u{1FFFE}',
  'U+10FFFF': '\u{10FFFF}',
  'a lone high surrogate': '\uD800',
  'a lone low surrogate': '\uDC00',
};

interface TextField {
  field: string;
  /** A query parameter: a URL carries UTF-8, in which half a surrogate pair cannot be written. */
  query?: boolean;
  request: (text: string) => [method: string, path: string, scope: Scope, body?: unknown];
}

const sarif = (message: string) => ({
  version: '2.1.0',
  runs: [{ tool: { driver: { name: 'credo' } }, results: [{ ruleId: 'R1', message: { text: message } }] }],
});
const scan = (fields: object) => ({ app: 'storefront', commit_sha: 'abc1234', tool: 'sobelow', ...fields });
const suppression = (fields: object) => ({
  reason: 'only internal callers',
  author: 'ana@acme.example',
  expires_at: new Date(Date.now() + 86_400_000).toISOString(),
  ...fields,
});
const findingPath = '/v1/apps/billing/prod/findings/GHSA-0000-0000-0000/suppression';

const textFields: TextField[] = [
  {
    field: 'instance',
    request: (t) => ['POST', '/v1/heartbeat', 'ingest', heartbeat({ instance: `web${t}` })],
  },
  { field: 'host', request: (t) => ['POST', '/v1/heartbeat', 'ingest', heartbeat({ host: `h${t}` })] },
  {
    field: 'release.name',
    request: (t) => [
      'POST',
      '/v1/heartbeat',
      'ingest',
      heartbeat({ release: { name: `r${t}`, version: '1.0.0' } }),
    ],
  },
  {
    field: 'tags.team',
    request: (t) => ['POST', '/v1/heartbeat', 'ingest', heartbeat({ tags: { team: `a${t}` } })],
  },
  {
    field: 'urls[0]',
    request: (t) => ['POST', '/v1/heartbeat', 'ingest', heartbeat({ urls: [`https://example.com/${t}`] })],
  },
  {
    field: 'ref',
    request: (t) => ['POST', '/v1/scans', 'ci', scan({ ref: `main${t}`, report: sarif('x') })],
  },
  {
    field: 'default_branch',
    request: (t) => ['POST', '/v1/scans', 'ci', scan({ default_branch: `main${t}`, report: sarif('x') })],
  },
  {
    field: 'report.runs[0].results[0].message.text',
    request: (t) => ['POST', '/v1/scans', 'ci', scan({ report: sarif(`flaw ${t}`) })],
  },
  {
    field: 'report',
    request: (t) => [
      'POST',
      '/v1/scans',
      'ci',
      scan({ tool: 'hex_audit', report: `Retired:\n  plug 1.0.0 - (security) ${t}\n` }),
    ],
  },
  {
    field: 'reason',
    request: (t) => ['POST', findingPath, 'admin', suppression({ reason: `because ${t}` })],
  },
  { field: 'author', request: (t) => ['POST', findingPath, 'admin', suppression({ author: `ana${t}` })] },
  {
    field: 'default_branch',
    request: (t) => ['PATCH', '/v1/apps/storefront', 'admin', { default_branch: `main${t}` }],
  },
  {
    field: 'urls[0]',
    request: (t) => ['PATCH', '/v1/apps/billing/prod', 'admin', { urls: [`https://example.com/${t}`] }],
  },
  {
    field: 'url',
    request: (t) => ['PUT', '/v1/organization/webhook', 'admin', { url: `https://hooks.example.com/${t}` }],
  },
  {
    field: 'version',
    query: true,
    request: (t) => ['GET', `/v1/lookup?package=plug&version=${encodeURIComponent(`1.0${t}`)}`, 'read'],
  },
  {
    field: 'requirement',
    query: true,
    request: (t) => [
      'GET',
      `/v1/lookup?package=plug&requirement=${encodeURIComponent(`~> 1.0${t}`)}`,
      'read',
    ],
  },
];

describe('text that cannot be stored or shown', () => {
  for (const { field, query, request } of textFields) {
    const characters = Object.entries(refusedCharacters).filter(([, c]) => !query || c.isWellFormed());
    it.each(characters)(
      `${request('')[0]} ${request('')[1].split('?')[0]} ${field} with %s: 400 naming it`,
      async (_, character) => {
        const [method, path, scope, body] = request(character);
        const answer = await call(method, path, scope, body);
        expect(answer.status, JSON.stringify(answer.body)).toBe(400);
        expect(answer.body.error).toMatchObject({ code: 'invalid_request', field });
      },
    );
  }

  it.each([
    ['U+FFFE in an app', '/v1/apps/%EF%BF%BE/prod', 'app'],
    ['a lone surrogate in an app', '/v1/apps/%ED%A0%80/prod', 'path'],
    ['U+10FFFF in an advisory id', '/v1/advisories/CVE-%F4%8F%BF%BF', 'id'],
  ])('%s in a path: 400 naming %s', async (_, path, field) => {
    const answer = await call('GET', path, 'read');
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe(field);
  });
});

/** `character` repeated as often as fits in `units` UTF-16 code units, as a field's maximum counts them. */
const repeat = (character: string, units: number) => character.repeat(Math.floor(units / character.length));

/** As many URLs as fit, each as long as it may be: together as many bytes as an app's URLs may have. */
function longestUrls(character: string): string[] {
  const urls: string[] = [];
  let total = 0;
  for (;;) {
    let url = `https://example.com/${urls.length}/`;
    while (utf8Bytes(url + character) <= urlLimits.maxBytes) url += character;
    if (urls.length === urlLimits.maxCount || total + utf8Bytes(url) > urlLimits.maxTotalBytes) return urls;
    urls.push(url);
    total += utf8Bytes(url);
  }
}

/**
 * The longest value each field allows, in characters of three bytes of UTF-8 (U+8A9E) and of four
 * (U+1F600, two UTF-16 units each), and in the characters that key parts escape (each becomes three).
 */
function longestHeartbeat(app: string, character: string, environment: string) {
  return heartbeat({
    app: `${app}${'a'.repeat(64 - app.length)}`,
    environment,
    instance: repeat(character, 200),
    host: repeat(character, 255),
    release: {
      name: repeat(character, 100),
      version: `1.${'9'.repeat(14)}.${'9'.repeat(14)}-${'r'.repeat(32)}`,
    },
    tags: Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${i}${repeat(character, 62)}`, repeat(character, 256)]),
    ),
    urls: longestUrls(character),
    deps: [
      {
        name: `p${'a'.repeat(99)}`,
        version: `${'9'.repeat(14)}.${'9'.repeat(14)}.${'9'.repeat(14)}.${'9'.repeat(14)}.9`,
      },
      { name: `q${'a'.repeat(99)}`, version: `1.0.0-${'x'.repeat(58)}` },
    ],
  });
}

describe('the longest values each field allows', () => {
  it.each([
    ['three-byte characters', 'three', '\u8A9E'],
    ['four-byte characters', 'four', '\u{1F600}'],
    ['characters that key parts escape', 'escaped', '%#'],
  ])('%s: a heartbeat is refused, or stored, processed and read back as sent', async (_, app, character) => {
    const sent = longestHeartbeat(app, character, 'e'.repeat(64));
    const answer = await call('POST', '/v1/heartbeat', 'ingest', sent);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    const { bodies, failures } = await runWork();
    expect(bodies.every(isAscii)).toBe(true);
    expect(failures).toEqual([]);
    const detail = await call('GET', `/v1/apps/${sent.app}/${sent.environment}`, 'read');
    expect(detail.status).toBe(200);
    expect(detail.body.instances).toEqual([
      expect.objectContaining({ instance: sent.instance, host: sent.host, release: sent.release }),
    ]);
    expect(detail.body.urls).toEqual(sent.urls);
    // An admin's URLs sit beside the reported ones in the same item.
    const overridden = longestUrls(`${character}x`);
    const path = `/v1/apps/${sent.app}/${sent.environment}`;
    expect((await call('PATCH', path, 'admin', { urls: overridden })).status).toBe(200);
    expect((await call('GET', path, 'read')).body.urls).toEqual(overridden);
    await expectStoredWithinLimits();
  });

  it('takes URLs of as many bytes together as they may have, and refuses one more', async () => {
    const longest = `https://example.com/${'a'.repeat(urlLimits.maxBytes - 20)}`;
    const urls = Array.from({ length: urlLimits.maxTotalBytes / urlLimits.maxBytes }, () => longest);
    expect((await call('POST', '/v1/heartbeat', 'ingest', heartbeat({ urls }))).status).toBe(202);
    const over = await call(
      'POST',
      '/v1/heartbeat',
      'ingest',
      heartbeat({ urls: [...urls, 'https://e.io'] }),
    );
    expect(over.status).toBe(400);
    expect(over.body.error.field).toBe('urls');
    const long = await call('POST', '/v1/heartbeat', 'ingest', heartbeat({ urls: [`${longest}a`] }));
    expect(long.status).toBe(400);
    expect(long.body.error.field).toBe('urls[0]');
  });

  it('a production app of a hundred instances with the longest names and URLs takes a new advisory: its finding and alert are written, and it reads back', async () => {
    const dependency = packageName(uniqueOrg());
    const instances = Array.from({ length: maxListedInstances }, (_, i) => `${i}${repeat('\u8A9E', 198)}`);
    const base = heartbeat({
      app: 'longest',
      urls: longestUrls('\u8A9E'),
      deps: [{ name: dependency, version: '1.0.0' }],
    });
    for (const instance of instances) {
      const answer = await call('POST', '/v1/heartbeat', 'ingest', { ...base, instance });
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    }
    expect((await runWork()).failures).toEqual([]);
    // The advisory comes after the fleet, as it does the morning a flaw goes public: the finding opens
    // with every instance listed, and its alert waits in the same item, carrying them and the URLs.
    const advisory = await criticalAdvisoryOf(dependency, '2.0.0');
    const { bodies, failures } = await runWork();
    expect(failures).toEqual([]);
    expect(bodies.every(isAscii)).toBe(true);
    expect(bodies.map((body) => JSON.parse(body).kind)).toContain('alert');
    const detail = await call('GET', '/v1/apps/longest/prod', 'read');
    expect(detail.status).toBe(200);
    expect(detail.body.instances.map((row: { instance: string }) => row.instance).sort()).toEqual(
      instances.sort(),
    );
    expect(detail.body.findings.filter((finding: { id: string }) => finding.id === advisory)).toEqual([
      expect.objectContaining({ id: advisory, instance_count: maxListedInstances }),
    ]);
    const lookup = await call('GET', `/v1/lookup?package=${dependency}&version=1.0.0`, 'read');
    expect(lookup.status).toBe(200);
    expect(lookup.body.matches).toEqual([
      expect.objectContaining({ app: 'longest', instance_count: maxListedInstances }),
    ]);
    await expectStoredWithinLimits();
  });
});

describe('characters outside the Basic Multilingual Plane', () => {
  const text = 'web \u{1F600} \u{10FFFD} \u{20000}';
  const branch = text.replaceAll(' ', '-');

  it('are stored, queued as ASCII, and answered as sent', async () => {
    const sent = heartbeat({
      app: 'astral',
      instance: text,
      host: text,
      release: { name: text, version: '1.0.0' },
      tags: { [text]: text },
    });
    const accepted = await call('POST', '/v1/heartbeat', 'ingest', sent);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const report = sarif(`flaw in ${text}`);
    const uploaded = await call('POST', '/v1/scans', 'ci', {
      ...scan({ app: 'astral', ref: `refs/heads/${branch}`, report }),
      default_branch: branch,
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(202);
    const { bodies, failures } = await runWork();
    expect(failures).toEqual([]);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    expect(bodies.every(isAscii)).toBe(true);
    expect(bodies.map((body) => JSON.parse(body).heartbeat?.instance).filter(Boolean)).toContain(text);

    const stored = await documents.send(
      new GetCommand({ TableName: table.name, Key: instanceKey(org, 'astral', sent.environment, text) }),
    );
    expect(stored.Item).toMatchObject({ instance: text, host: text, release: { name: text } });
    const detail = await call('GET', `/v1/apps/astral/${sent.environment}`, 'read');
    expect(detail.status, JSON.stringify(detail.body)).toBe(200);
    expect(detail.body.instances).toEqual([expect.objectContaining({ instance: text, host: text })]);
    expect(detail.body.scans).toEqual([expect.objectContaining({ ref: `refs/heads/${branch}` })]);
    expect(
      detail.body.findings.filter((finding: { summary: string }) => finding.summary === `flaw in ${text}`),
    ).toHaveLength(1);
  });

  it('are taken in a suppression, kept and answered as sent', async () => {
    const dependency = packageName(uniqueOrg());
    const advisory = await criticalAdvisoryOf(dependency, '2.0.0');
    const sent = heartbeat({ app: 'suppressed', deps: [{ name: dependency, version: '1.0.0' }] });
    expect((await call('POST', '/v1/heartbeat', 'ingest', sent)).status).toBe(202);
    expect((await runWork()).failures).toEqual([]);
    const path = `/v1/apps/suppressed/prod/findings/${advisory}/suppression`;
    const answer = await call(
      'POST',
      path,
      'admin',
      suppression({ reason: `${text}\nsecond line`, author: text }),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.suppression).toMatchObject({ reason: `${text}\nsecond line`, author: text });
    const detail = await call('GET', '/v1/apps/suppressed/prod', 'read');
    expect(detail.body.findings.filter((finding: { id: string }) => finding.id === advisory)).toEqual([
      expect.objectContaining({
        id: advisory,
        suppression: expect.objectContaining({ reason: `${text}\nsecond line`, author: text }),
      }),
    ]);
  });
});

describe('malformed percent-escapes in a path', () => {
  it.each([
    '/v1/apps/%E0%A4%A/prod',
    '/v1/apps/%ZZ/x',
    '/v1/apps/billing/%',
    '/v1/advisories/%C0%AF',
    '/v1/apps/billing/prod/findings/%FF/suppression',
    '/v1/nothing/%E0',
  ])('%s: 400 naming path, and the gateway answers on', async (path) => {
    const answer = await call('GET', path, 'read');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'invalid_request', field: 'path' });
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('a percent-encoded slash is part of the name it is in, not a separator', async () => {
    const answer = await call('GET', '/v1/apps/billing%2Fprod/x', 'read');
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe('app');
  });
});

/** A request sent with node:http, which writes every value of a repeated header on a line of its own. */
function rawRequest(path: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${gateway.url}${path}`, { headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('two Authorization headers', () => {
  it('are refused with 401 even when the first carries a valid key, as API Gateway joins them', async () => {
    const key = await keyFor(org, 'read');
    expect((await rawRequest('/v1/apps', { authorization: `Bearer ${key}` })).status).toBe(200);
    for (const second of [`Bearer ${key}`, 'Bearer x', 'Basic dXNlcjpwYXNz']) {
      const answer = await rawRequest('/v1/apps', { authorization: [`Bearer ${key}`, second] });
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('unauthorized');
    }
  });

  it('one header of two credentials is refused alike', async () => {
    const key = await keyFor(org, 'read');
    const answer = await call('GET', '/v1/apps', undefined, undefined, {
      authorization: `Bearer ${key}, Bearer ${key}`,
    });
    expect(answer.status).toBe(401);
  });
});

describe('reports built to exhaust the server', () => {
  const hexAudit = (report: string) => call('POST', '/v1/scans', 'ci', scan({ tool: 'hex_audit', report }));
  const finding = '\nRetired:\n  plug 1.0.0 - (security) leaks sessions\n';

  it.each([
    ['a line of a million spaces', `${' '.repeat(1_000_000)}x`],
    ['a line of half a million words', 'a '.repeat(450_000)],
    ['a hundred thousand escape sequences', '\u001b['.repeat(100_000)],
    ['an escape sequence of a million parameters', `\u001b[${'1;'.repeat(450_000)}`],
    ['four hundred thousand blank lines', '\n'.repeat(400_000)],
    ['a table header of a million spaces', `Dependency  Version${' '.repeat(900_000)}Retirement reason`],
  ])('mix hex.audit output of %s is read to its end', async (_, noise) => {
    const answer = await hexAudit(noise + finding);
    expect(answer.status, JSON.stringify(answer.body)).toBe(202);
    expect(answer.body).toMatchObject({ findings: 1, counts: { high: 1 } });
  });

  it('a Sobelow report nesting half a million arrays is refused naming where', async () => {
    const body = `{"app":"storefront","commit_sha":"abc1234","tool":"sobelow","report":{"findings":{"high_confidence":[{"type":"XSS.Raw","file":"a.ex","line":1,"variable":${'['.repeat(450_000)}${']'.repeat(450_000)}}]}}}`;
    const response = await fetch(`${gateway.url}/v1/scans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await keyFor(org, 'ci')}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Answer['body'];
    expect(error.field).toBe('report.findings.high_confidence[0].variable');
  });
});

describe('path parameters as API Gateway may deliver them', () => {
  // API Gateway decodes a path before routing and its parameters again before the function; a function
  // may so see a parameter still percent-encoded, or decoded into characters no name takes.
  it.each([
    ['still percent-encoded', { app: '%E0%A4%A', environment: 'prod' }, 'app'],
    ['decoded twice into a slash', { app: 'billing', environment: 'a/b' }, 'environment'],
    ['decoded into a noncharacter', { app: '\uFFFE', environment: 'prod' }, 'app'],
    ['decoded into half a surrogate pair', { app: 'billing', environment: '\uD800' }, 'environment'],
  ])('%s: 400 naming the parameter', async (_, pathParameters, field) => {
    const event = {
      ...httpEvent({ path: '/v1/apps/{app}/{environment}', key: await keyFor(org, 'read') }),
      pathParameters,
    };
    const result = await appsHandler(event, context);
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error.field).toBe(field);
  });
});

describe('requests that are too long or no HTTP at all', () => {
  /** Writes raw bytes to the gateway and answers the status line and body it sends back. */
  const rawExchange = (bytes: string) =>
    new Promise<{ statusLine: string; body: string }>((resolve, reject) => {
      const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1', () => socket.end(bytes));
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      socket.on('end', () =>
        resolve({ statusLine: text.split('\r\n')[0]!, body: text.slice(text.indexOf('\r\n\r\n') + 4) }),
      );
      socket.on('error', reject);
    });

  it('a request line and headers longer than API Gateway takes (10,240 bytes): 431 in JSON', async () => {
    const answer = await rawExchange(`GET /v1/apps?x=${'a'.repeat(11_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Header Fields Too Large' });
  });

  it('bytes that are no HTTP request: 400 in JSON, and the gateway answers on', async () => {
    const answer = await rawExchange('\u0000\u0001 not http\r\n\r\n');
    expect(answer.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(answer.body)).toEqual({ message: 'Bad Request' });
    expect((await call('GET', '/health')).status).toBe(200);
  });
});

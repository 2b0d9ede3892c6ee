import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { type Scope, scopes } from '../../shared/api-keys.ts';
import { encodeCursor } from '../../shared/lookup.ts';
import { type RouteDefinition, routes } from '../../shared/resources.ts';
import { enforceDynamoLimits, limitProblem, organizationItems } from '../support/dynamodb-limits.ts';
import { heartbeat, uniqueOrg } from '../support/fixtures.ts';
import { keyFor } from '../support/local-services.ts';
import { runQueuedWork } from '../support/queued-work.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';
import {
  type Answer,
  type HostileRequest,
  type RequestFixtures,
  requestFor,
  send,
} from './hostile-requests.ts';

/**
 * Every route of the API, through the local gateway, with valid, near-valid and hostile requests:
 * none gets a 5xx, each is answered within 2 seconds, every error says what it is in JSON, and nothing
 * accepted breaks the consumer or a later read.
 */

// The table refuses what DynamoDB would, measured in UTF-8 as AWS measures it, which dynalite does not.
enforceDynamoLimits();

/** Requests per route: enough to reach each part of a route's input, few enough for the file to take seconds. */
const runsPerRoute = 60;
const answerWithinMs = 2000;

let gateway: Gateway;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let fixtures: RequestFixtures;
const org = uniqueOrg('prop');
const vulnerable = packageName(org);
/** Applications of the organization's own, so that no advisory another test file imports matches them. */
const dependencies = [1, 2].map((n) => ({ name: `${vulnerable.slice(0, 90)}_dep${n}`, version: `1.${n}.0` }));

const scans = new URL('../../../shared/scans/', import.meta.url);
const sharedReport = (path: string): unknown[] =>
  existsSync(new URL(path, scans)) ? [JSON.parse(readFileSync(new URL(path, scans), 'utf8'))] : [];

/** A scan upload of each tool, with the real reports of ../shared/scans when they are beside the clone. */
const scanUploads = [
  ...[
    {
      findings: {
        high_confidence: [{ type: 'XSS.Raw: XSS in `raw`', file: 'lib/web.ex', line: 3, variable: 'body' }],
      },
    },
    ...sharedReport('sobelow/insecure-phoenix.json'),
    ...sharedReport('sobelow/insecure-phoenix.sarif'),
  ].map((report) => ({ tool: 'sobelow', report })),
  ...[
    {
      pass: false,
      vulnerabilities: [
        {
          advisory: { id: 'GHSA-0000-0000-0000', package: 'plug', severity: 'high', title: 'A flaw' },
          dependency: { package: 'plug', version: '1.0.0', lockfile: 'mix.lock' },
        },
      ],
    },
    ...sharedReport('mix_audit/insecure-phoenix.json'),
  ].map((report) => ({ tool: 'mix_audit', report })),
  { tool: 'hex_audit', report: 'Retired:\n  plug 1.0.0 - (security) leaks sessions\n' },
];

async function seed(): Promise<RequestFixtures> {
  const keys = Object.fromEntries(
    await Promise.all(
      scopes.map(async (scope) => [
        scope,
        await Promise.all([1, 2, 3, 4, 5, 6].map(() => keyFor(org, scope))),
      ]),
    ),
  ) as Record<Scope, string[]>;
  const advisory = await criticalAdvisoryOf(vulnerable, '2.0.0');
  const seeded = await send(
    gateway.url,
    {
      method: 'POST',
      target: '/v1/heartbeat',
      headers: { authorization: `Bearer ${keys.ingest[0]}`, 'content-type': 'application/json' },
      body: Buffer.from(
        JSON.stringify(
          heartbeat({
            environment: 'staging',
            internet_facing: false,
            deps: [{ name: vulnerable, version: '1.0.0' }, ...dependencies],
          }),
        ),
      ),
    },
    answerWithinMs,
  );
  expect(seeded?.status).toBe(202);
  expect((await runWork()).failures).toEqual([]);
  const signIn = await fetch(`${gateway.url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: keys.admin[0] }),
  });
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
  const { csrf_token } = (await signIn.json()) as { csrf_token: string };
  const page = await fetch(`${gateway.url}/v1/apps?limit=1`, {
    headers: { authorization: `Bearer ${keys.read[0]}` },
  });
  const { next_cursor } = (await page.json()) as { next_cursor: string | null };
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
  return {
    keys,
    session: { cookie, csrf: csrf_token },
    pathValues: {
      app: ['billing', 'storefront'],
      environment: ['staging', 'dev'],
      finding: [advisory, 'CVE-2025-4748'],
      id: [advisory, 'CVE-2025-4748', 'sources'],
    },
    queries: {
      'GET /v1/lookup': fc
        .tuple(
          fc.oneof(
            fc
              .tuple(
                fc.constantFrom(vulnerable, dependencies[0]!.name, 'plug'),
                fc.constantFrom<[string, string]>(
                  ['version', '1.0.0'],
                  ['requirement', '~> 1.0'],
                  ['range', '>= 1.0.0, < 2.0.0'],
                ),
              )
              .map(([name, versions]): [string, string][] => [['package', name], versions]),
            fc.constant<[string, string][]>([['advisory', advisory]]),
          ),
          fc.subarray<[string, string]>([
            ['format', 'csv'],
            ['limit', '1'],
            ['environment', 'staging'],
            ['production', 'false'],
            ['internet_facing', 'false'],
            ['handles_pii', 'true'],
            ['ecosystem', 'hex'],
          ]),
        )
        .map(([what, how]) => [...what, ...how]),
      'GET /v1/apps': fc.subarray<[string, string]>([
        ['limit', '1'],
        ['environment', 'staging'],
        ['production', 'false'],
        ['internet_facing', 'false'],
        ['handles_pii', 'true'],
        ...(next_cursor ? [['cursor', next_cursor] as [string, string]] : []),
      ]),
      'GET /v1/unsubscribe': fc.constant([['token', 'junk.junk']]),
      'POST /v1/unsubscribe': fc.constant([['token', 'junk.junk']]),
    },
    queryValues: {
      package: [vulnerable, dependencies[0]!.name, 'plug'],
      version: ['1.0.0', '1.16.1'],
      requirement: ['~> 1.0', '>= 1.0.0 and < 2.0.0'],
      range: ['>= 1.0.0, < 2.0.0'],
      advisory: [advisory],
      ecosystem: ['hex', 'otp'],
      format: ['json', 'csv'],
      limit: ['1', '2', '5000', '0'],
      cursor: [
        encodeCursor({ rank: 7 }),
        encodeCursor({ rank: 0, key: { pk: 'ORG#other', sk: 'x', gsi1pk: 'ORG#other#APPS', gsi1sk: '0#' } }),
        encodeCursor({ rank: 0, key: { a: 'b' } }),
        encodeCursor({
          rank: 3,
          key: { pk: `ORG#${org}`, sk: '\u8A9E'.repeat(2048), gsi1pk: 'x', gsi1sk: 'y' },
        }),
        'not-a-cursor',
      ],
      environment: ['staging'],
      production: ['true', 'false'],
      internet_facing: ['true', 'false'],
      handles_pii: ['true', 'false'],
      token: ['a.b', 'junk'],
    },
    bodies: {
      'POST /v1/heartbeat': fc
        .record({
          app: fc.constantFrom('billing', 'storefront'),
          environment: fc.constantFrom('staging', 'dev'),
          instance: fc.constantFrom('web-1', 'web-2', 'web \u{1F600}'),
          deps: fc.subarray(dependencies),
        })
        .map((fields) => heartbeat({ ...fields, internet_facing: false, runtime: undefined })),
      'POST /v1/scans': fc
        .record({
          upload: fc.constantFrom(...scanUploads),
          app: fc.constantFrom('billing', 'storefront'),
          commit_sha: fc.constantFrom('abc1234', 'def5678'),
          ref: fc.constantFrom('refs/heads/main', 'feature/\u{1F600}'),
        })
        .map(({ upload, ...fields }) => ({ ...fields, ...upload })),
      'POST /v1/scans/uploads': fc.record({ bytes: fc.constantFrom(1, 1000, 32 * 1024 * 1024) }),
      'PATCH /v1/apps/{app}/{environment}': fc.constant({
        internet_facing: false,
        handles_pii: true,
        urls: ['https://billing.example.com'],
      }),
      'PATCH /v1/apps/{app}': fc.constant({ default_branch: 'main', check_fails_on: 'high' }),
      'POST /v1/apps/{app}/{environment}/findings/{finding}/suppression': fc.constant(null).map(() => ({
        reason: 'Only internal callers',
        author: 'ana@acme.example',
        expires_at: inAnHour(),
      })),
      'POST /v1/session': fc.constantFrom(...Object.values(keys).flat()).map((key) => ({ key })),
      'PUT /v1/organization/summary-recipients': fc.constant({ emails: ['ops@example.com'] }),
      'PUT /v1/organization/alert-recipients': fc.constant({ emails: ['oncall@example.com'] }),
      'PUT /v1/organization/webhook': fc.constant({ url: webhook.url }),
    },
  };
}

const runWork = () => runQueuedWork(processWork);

/**
 * Answers that API Gateway gives itself, in its own `{"message": ...}` form, before any function runs:
 * a request that is no HTTP, no route, a body or headers too large, throttling.
 */
const gatewayOwnStatuses = [400, 404, 413, 429, 431];

/** What is wrong with an answer, or undefined when it is as every answer must be. */
function answerProblem(route: RouteDefinition, answer: Answer | undefined): string | undefined {
  if (!answer) return `no answer within ${answerWithinMs} ms`;
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 500)}`;
  if (answer.status < 400) return undefined;
  // The unsubscribe link is opened in a browser: its refusals are pages.
  if (answer.contentType.startsWith('text/html'))
    return route.function === 'unsubscribe' ? undefined : 'an HTML error';
  let body: { error?: { code?: unknown; field?: unknown }; message?: unknown };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `status ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 200)}`;
  }
  if (body.error) {
    if (typeof body.error.code !== 'string') return 'an error without a code';
    if (answer.status === 400 && typeof body.error.field !== 'string') return 'a 400 that names no field';
    return undefined;
  }
  if (typeof body.message === 'string' && gatewayOwnStatuses.includes(answer.status)) return undefined;
  return `status ${answer.status} with a body that says no error: ${answer.text.slice(0, 200)}`;
}

/** A request as fast-check prints it: the body as text, cut short. */
const shown = (request: HostileRequest) =>
  JSON.stringify({ ...request, body: request.body?.toString('utf8').slice(0, 300) });

beforeAll(async () => {
  gateway = await startGateway(0);
  webhook = await startWebhookReceiver();
  fixtures = await seed();
});

afterAll(async () => {
  await webhook.stop();
  await gateway.close();
});

describe('every route, whatever it is sent', () => {
  it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: never a 5xx, always within 2 s, every error in JSON',
    async (_, route) => {
      // A gateway of its own, so that API Gateway's throttling of the run's other routes leaves it be.
      const routeGateway = await startGateway(0);
      try {
        await fc.assert(
          fc.asyncProperty(requestFor(route, fixtures), async (request) => {
            const problem = answerProblem(route, await send(routeGateway.url, request, answerWithinMs));
            if (problem) throw new Error(`${problem}\nrequest: ${shown(request)}`);
          }),
          { numRuns: runsPerRoute, seed: 20261205, endOnFailure: true },
        );
      } finally {
        await routeGateway.close();
      }
    },
  );

  it('leaves nothing that breaks the consumer or a later read', async () => {
    const reads = async () => {
      const read = (target: string) =>
        send(
          gateway.url,
          { method: 'GET', target, headers: { authorization: `Bearer ${fixtures.keys.read[5]}` } },
          10_000,
        );
      const apps = await read('/v1/apps?limit=1000');
      expect(apps?.status, apps?.text).toBe(200);
      const rows = (JSON.parse(apps!.text) as { apps: { app: string; environment: string }[] }).apps;
      expect(rows.length).toBeGreaterThan(0);
      for (const { app, environment } of rows) {
        const detail = await read(`/v1/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}`);
        expect(detail?.status, detail?.text).toBe(200);
      }
      for (const target of [
        `/v1/lookup?package=${vulnerable}&version=1.0.0`,
        `/v1/lookup?package=${dependencies[0]!.name}&requirement=${encodeURIComponent('>= 0.0.0')}&format=csv`,
        '/v1/advisories',
        '/v1/advisories/sources',
      ]) {
        const answer = await read(target);
        expect(answer?.status, `${target}: ${answer?.text}`).toBe(200);
      }
    };
    await reads();
    const { failures } = await runWork();
    expect(failures).toEqual([]);
    await reads();
    const items = await organizationItems(org);
    expect(items.map((item) => limitProblem(item, true)).filter(Boolean)).toEqual([]);
  });
});

import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { matchesIamPattern } from '../../infra/constructs/iam-pattern.ts';
import { provisionTable } from '../../infra/local/provision.ts';
import {
  type FunctionDefinition,
  type FunctionName,
  functions,
  type RouteDefinition,
  routes,
  type TableWrite,
} from '../../shared/resources.ts';

/**
 * What each function writes to the table while it serves every one of its routes, with realistic
 * requests (an API key, a dashboard session and its CSRF token, a CSV export, an upload), against what
 * its definition grants: every item write names its partition key, and the key must match one of the
 * grant's partitions and none of its exceptions, as IAM's `dynamodb:LeadingKeys` condition checks them
 * on AWS. A write added to a function without a grant fails here, and so does a grant nothing uses.
 * The work consumer writes across the table by its definition and is not driven here.
 */

// A table of this file's own: the advisory sync's lease is one per table, and the writes seen are this
// file's alone.
process.env.TABLE_NAME = `muster-grants-${randomUUID().slice(0, 8)}`;
// Every request reads its key again, an unchanged heartbeat moves last_seen at once, and every CSV
// answer goes to the payload bucket.
process.env.KEY_CACHE_SECONDS = '0';
process.env.LAST_SEEN_INTERVAL_SECONDS = '0';
process.env.LOOKUP_CSV_INLINE_BYTES = '1';
await provisionTable(inject('servers').dynamodb, process.env.TABLE_NAME);

const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
const { documents } = await import('../../functions/lib/dynamodb.ts');
const { handler: processWork } = await import('../../functions/process-work.ts');
const { config } = await import('../../functions/lib/config.ts');
const { mailSecret, readOrganization, setSummaryRecipients } = await import(
  '../../functions/stores/organization-store.ts'
);
const { sessionKey } = await import('../../shared/entities/session.ts');
const { hashSessionToken, sessionCookieName } = await import('../../shared/session.ts');
const { unsubscribeToken } = await import('../../shared/unsubscribe-token.ts');
const { context, httpEvent, workEvent } = await import('../support/events.ts');
const { heartbeat, heartbeatMessage, uniqueOrg } = await import('../support/fixtures.ts');
const { keyFor } = await import('../support/local-services.ts');
const { criticalAdvisoryOf, packageName } = await import('../support/test-advisory.ts');
const { AdvisoryFeedServer, osvRecord } = await import('../support/advisory-feed-server.ts');

/** One DynamoDB request: its action as IAM names it, the partition keys it names, and its index. */
interface TableCall {
  action: string;
  partitions: string[];
  index?: string;
  /** The attributes an update names in its expressions, as IAM's `dynamodb:Attributes` has them. */
  attributes?: string[];
}

const expressionWords = new Set([
  'SET',
  'REMOVE',
  'ADD',
  'DELETE',
  'AND',
  'OR',
  'NOT',
  'BETWEEN',
  'IN',
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
  'size',
  'if_not_exists',
  'list_append',
]);

/** The top-level attributes an update's expressions name, `#names` resolved. */
function namedAttributes(input: Record<string, unknown>): string[] {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const expressions = [input.UpdateExpression, input.ConditionExpression].filter(
    (expression): expression is string => typeof expression === 'string',
  );
  const attributes = new Set<string>();
  for (const expression of expressions) {
    for (const [word] of expression.matchAll(/(?<![:\w.])#?[A-Za-z_][\w]*/g)) {
      if (expressionWords.has(word)) continue;
      attributes.add(word.startsWith('#') ? (names[word] ?? word) : word);
    }
  }
  return [...attributes].sort();
}

const reads = new Set(['GetItem', 'BatchGetItem', 'Query']);

/** An attribute value as the document client or the low-level client holds it. */
const text = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'S' in value
    ? String((value as { S: unknown }).S)
    : String(value);

type Keyed = { pk?: unknown };

/**
 * The request a command makes, named as IAM names its action, whether the document client's command
 * (PutCommand) or the low-level one (PutItemCommand) names it.
 */
function tableCall(commandName: string, input: Record<string, unknown>): TableCall {
  const action = commandName
    .replace(/Command$/, '')
    .replace(/^(Put|Update|Delete|Get|BatchGet|BatchWrite)$/, '$1Item');
  const pk = (item: unknown) => text((item as Keyed).pk);
  switch (action) {
    case 'PutItem':
      return { action, partitions: [pk(input.Item)] };
    case 'UpdateItem':
      return { action, partitions: [pk(input.Key)], attributes: namedAttributes(input) };
    case 'DeleteItem':
    case 'GetItem':
      return { action, partitions: [pk(input.Key)] };
    case 'BatchWriteItem':
      return {
        action,
        partitions: Object.values(
          input.RequestItems as Record<string, Record<string, { Item?: Keyed; Key?: Keyed }>[]>,
        )
          .flat()
          .map((request) => pk(request.PutRequest?.Item ?? request.DeleteRequest?.Key)),
      };
    case 'BatchGetItem':
      return {
        action,
        partitions: Object.values(input.RequestItems as Record<string, { Keys: Keyed[] }>).flatMap(
          ({ Keys }) => Keys.map(pk),
        ),
      };
    default:
      return { action, partitions: [], ...(input.IndexName ? { index: String(input.IndexName) } : {}) };
  }
}

let recording: TableCall[] | undefined;

documents.middlewareStack.add(
  (next, middlewareContext) => async (args) => {
    recording?.push(tableCall(middlewareContext.commandName ?? '', args.input as Record<string, unknown>));
    return next(args);
  },
  { step: 'initialize', name: 'tableGrantRecorder' },
);

interface Invocation {
  function: FunctionName;
  what: string;
  calls: TableCall[];
}

const invocations: Invocation[] = [];

/** Runs one invocation of a function, recording the requests it makes of the table. */
async function observe<T>(name: FunctionName, what: string, run: () => Promise<T>): Promise<T> {
  const calls: TableCall[] = [];
  recording = calls;
  try {
    return await run();
  } finally {
    recording = undefined;
    invocations.push({ function: name, what, calls });
  }
}

/** The grant of the definition that allows the write, as one IAM statement must: all of its keys. */
function grantOf(definition: FunctionDefinition, call: TableCall): TableWrite | undefined {
  return definition.table?.writes?.find(
    (write) =>
      write.actions.some((action) => action === call.action) &&
      (write.partitions === 'any' ||
        call.partitions.every(
          (partition) =>
            (write.partitions as string[]).some((pattern) => matchesIamPattern(pattern, partition)) &&
            !(write.except ?? []).some((pattern) => matchesIamPattern(pattern, partition)),
        )) &&
      (write.attributes === undefined ||
        (call.attributes ?? []).every(
          (attribute) => attribute === 'pk' || attribute === 'sk' || write.attributes!.includes(attribute),
        )),
  );
}

/** Why the definition does not allow the call; undefined when it does. */
function refusal(definition: FunctionDefinition, call: TableCall): string | undefined {
  if (!definition.table) return 'uses a table it has no grant on';
  if (reads.has(call.action)) {
    return call.index && !definition.table.queriesIndex
      ? `queries index ${call.index} without a grant`
      : undefined;
  }
  return grantOf(definition, call)
    ? undefined
    : `${call.action} ${call.partitions.join(', ')}${call.attributes ? ` (${call.attributes.join(', ')})` : ''} is not granted`;
}

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** A function's handler, loaded from the entry of its definition. */
async function handlerOf<T = HttpHandler>(name: FunctionName): Promise<T> {
  const module = (await import(/* @vite-ignore */ `../../${functions[name].entry}`)) as { handler: T };
  return module.handler;
}

interface Session {
  token: string;
  csrf: string;
}

interface Request {
  key?: string;
  session?: Session;
  path?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** The routes answered with success, by route key. */
const served = new Set<string>();

/** A request of a route, to the function the shared routes send it to. */
async function request(routeKey: string, { key, session, path, query, body }: Request = {}) {
  const route = routes.find(
    (candidate) => `${candidate.method} ${candidate.path}` === routeKey,
  ) as RouteDefinition;
  expect(route, routeKey).toBeDefined();
  const event = httpEvent({ method: route.method, path: route.path, key, body, query });
  if (path) event.pathParameters = path;
  if (session) {
    event.cookies = [`${sessionCookieName(config.SESSION_COOKIE_SECURE)}=${session.token}`];
    event.headers['x-csrf-token'] = session.csrf;
  }
  const handler = await handlerOf(route.function);
  const result = await observe(route.function, `${routeKey}${session ? ' (session)' : ''}`, () =>
    handler(event, context),
  );
  expect(result.statusCode, `${routeKey}: ${result.body}`).toBeLessThan(400);
  served.add(routeKey);
  return result;
}

/** A dashboard session of a fresh key of the scope, as POST /v1/session opens it. */
async function signIn(scope: 'read' | 'admin'): Promise<Session> {
  const result = await request('POST /v1/session', { body: { key: await keyFor(org, scope) } });
  const cookie = result.cookies![0]!;
  return {
    token: cookie.slice(cookie.indexOf('=') + 1, cookie.indexOf(';')),
    csrf: JSON.parse(result.body!).csrf_token,
  };
}

/** Moves the session's last activity back, so that its next request records its use again. */
async function idle(session: Session): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: config.TABLE_NAME,
      Key: sessionKey(hashSessionToken(session.token)),
      UpdateExpression: 'SET active_at = :before',
      ExpressionAttributeValues: { ':before': new Date(Date.now() - 10 * 60_000).toISOString() },
    }),
  );
}

const org = uniqueOrg('grants');
const app = 'billing';
const environment = 'prod';
const pkg = packageName(org);
const feed = new AdvisoryFeedServer();
let advisory: string;

/** A fresh key of the scope: its first request records its use. */
const freshKey = (scope: 'read' | 'admin' | 'ingest' | 'ci') => keyFor(org, scope);

/** A fresh session, idle long enough that its next request records its use. */
async function idleSession(scope: 'read' | 'admin'): Promise<Session> {
  const session = await signIn(scope);
  await idle(session);
  return session;
}

beforeAll(async () => {
  advisory = await criticalAdvisoryOf(pkg, '2.0.0');
  const deps = [...heartbeat().deps, { name: pkg, version: '1.0.0' }];
  const known = heartbeatMessage(org, { deps, sent_at: new Date(Date.now() - 30 * 60_000).toISOString() });
  expect((await processWork(workEvent('heartbeat', [known]), context)).batchItemFailures).toEqual([]);
  await feed.start();
  feed.osv.set(
    `MUSTER-GRANTS-${org}`,
    osvRecord(`MUSTER-GRANTS-${org}`, `${pkg}_other`, new Date().toISOString(), { introduced: '0' }),
  );
});

afterAll(() => feed.stop());

describe('the table writes of each function', () => {
  it('answers its health without the table', async () => {
    await request('GET /health');
  });

  it('takes heartbeats and scans', async () => {
    const deps = [...heartbeat().deps, { name: pkg, version: '1.0.0' }];
    await request('POST /v1/heartbeat', {
      key: await freshKey('ingest'),
      body: heartbeat({ deps, sent_at: new Date().toISOString() }),
    });
    const ci = await freshKey('ci');
    const report = JSON.stringify({
      findings: { high_confidence: [], medium_confidence: [], low_confidence: [] },
    });
    const ticket = JSON.parse(
      (await request('POST /v1/scans/uploads', { key: ci, body: { bytes: Buffer.byteLength(report) } }))
        .body!,
    ) as { url: string; method: string; headers: Record<string, string>; upload: string };
    expect(
      (await fetch(ticket.url, { method: ticket.method, headers: ticket.headers, body: report })).ok,
    ).toBe(true);
    const scan = { app, commit_sha: 'a1'.repeat(20), ref: 'refs/heads/main', tool: 'sobelow' };
    await request('POST /v1/scans', { key: ci, body: { ...scan, report_upload: ticket.upload } });
    await request('POST /v1/scans', {
      key: await freshKey('ci'),
      body: { ...scan, report: JSON.parse(report) },
    });
  });

  it('answers lookups, the apps and the advisories, with a key and on a session', async () => {
    await request('GET /v1/lookup', {
      key: await freshKey('read'),
      query: { package: pkg, version: '1.0.0' },
    });
    await request('GET /v1/lookup', { session: await idleSession('read'), query: { advisory } });
    const csv = await request('GET /v1/lookup', {
      key: await freshKey('read'),
      query: { package: pkg, version: '1.0.0', format: 'csv' },
    });
    // Exported to the payload bucket, with a redirect to its download.
    expect(csv.statusCode).toBe(303);
    await request('GET /v1/apps', { key: await freshKey('read') });
    await request('GET /v1/apps/{app}/{environment}', {
      session: await idleSession('read'),
      path: { app, environment },
    });
    await request('GET /v1/apps/{app}/{environment}/sbom', {
      key: await freshKey('read'),
      path: { app, environment },
    });
    await request('GET /v1/advisories', { key: await freshKey('read') });
    await request('GET /v1/advisories/sources', { session: await idleSession('read') });
    await request('GET /v1/advisories/{id}', { key: await freshKey('read'), path: { id: advisory } });
  });

  it('takes an admin’s changes: overrides, scan settings, suppressions and the organization’s settings', async () => {
    await request('PATCH /v1/apps/{app}/{environment}', {
      key: await freshKey('admin'),
      path: { app, environment },
      body: { internet_facing: false },
    });
    await request('PATCH /v1/apps/{app}', {
      session: await idleSession('admin'),
      path: { app },
      body: { default_branch: 'main' },
    });
    const suppression = { app, environment, finding: advisory };
    await request('POST /v1/apps/{app}/{environment}/findings/{finding}/suppression', {
      key: await freshKey('admin'),
      path: suppression,
      body: {
        reason: 'not reachable from the internet',
        author: 'Dana from security',
        expires_at: new Date(Date.now() + 7 * 24 * 3600_000).toISOString(),
      },
    });
    await request('DELETE /v1/apps/{app}/{environment}/findings/{finding}/suppression', {
      session: await idleSession('admin'),
      path: suppression,
    });
    await request('GET /v1/organization', { session: await idleSession('admin') });
    await request('PUT /v1/organization/summary-recipients', {
      key: await freshKey('admin'),
      body: { emails: ['security@example.com'] },
    });
    await request('PUT /v1/organization/alert-recipients', {
      session: await idleSession('admin'),
      body: { emails: ['oncall@example.com'] },
    });
    await request('PUT /v1/organization/webhook', {
      key: await freshKey('admin'),
      body: { url: 'https://hooks.example.com/muster' },
    });
    await request('DELETE /v1/organization/webhook', { session: await idleSession('admin') });
  });

  it('signs in, tells who is signed in, and signs out', async () => {
    const session = await signIn('admin');
    await request('GET /v1/session', { session });
    await request('DELETE /v1/session', { session });
  });

  it('unsubscribes with a signed link', async () => {
    await setSummaryRecipients(org, ['security@example.com', 'leaving@example.com']);
    const secret = await mailSecret((await readOrganization(org))!);
    const token = unsubscribeToken(secret, { org, list: 'summary', address: 'leaving@example.com' });
    await request('GET /v1/unsubscribe', { query: { token } });
    await request('POST /v1/unsubscribe', { query: { token } });
  });

  it('asks for the weekly summaries and the hourly sweeps', async () => {
    const summaries =
      await handlerOf<(event: { time: string }) => Promise<{ queued: number }>>('weekly-summary');
    expect(
      (await observe('weekly-summary', 'schedule', () => summaries({ time: new Date().toISOString() })))
        .queued,
    ).toBeGreaterThan(0);
    const sweeps = await handlerOf<() => Promise<{ organizations: number }>>('retire-instances');
    expect((await observe('retire-instances', 'schedule', () => sweeps())).organizations).toBeGreaterThan(0);
  });

  it('syncs the advisory sources: a first import, then a listing that did not change', async () => {
    process.env.ADVISORY_SOURCES = feed.osvSource;
    const sync =
      await handlerOf<(event: undefined) => Promise<{ skipped: boolean; sources: { outcome: string }[] }>>(
        'sync-advisories',
      );
    const first = await observe('sync-advisories', 'first sync', () => sync(undefined));
    const second = await observe('sync-advisories', 'unchanged sync', () => sync(undefined));
    expect([first, second].map((run) => run.sources.map((source) => source.outcome))).toEqual([
      ['synced'],
      ['unchanged'],
    ]);
  });

  it('keeps to what its definition grants', () => {
    const refused = invocations.flatMap(({ function: name, what, calls }) =>
      calls.flatMap((call) => {
        const reason = refusal(functions[name], call);
        return reason ? [`${name} (${what}): ${reason}`] : [];
      }),
    );
    expect(refused).toEqual([]);
  });

  it('has driven every route and every function but the work consumer', () => {
    expect([...served].sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
    const driven = new Set(invocations.map((invocation) => invocation.function));
    expect(
      Object.values(functions)
        .filter(({ name }) => !driven.has(name))
        .map(({ name }) => name),
    ).toEqual(['process-work']);
  });

  it('uses every write it is granted, on every partition, and its index only when granted', () => {
    const unused = Object.values(functions)
      .filter((definition) => definition.name !== 'process-work')
      .flatMap((definition) => {
        const calls = invocations
          .filter((invocation) => invocation.function === definition.name)
          .flatMap((invocation) => invocation.calls);
        const writes = calls.filter((call) => !reads.has(call.action));
        const unusedWrites = (definition.table?.writes ?? []).flatMap((write) => [
          ...write.actions
            .filter(
              (action) =>
                !writes.some((call) => call.action === action && grantOf(definition, call) === write),
            )
            .map((action) => `${definition.name}: ${action} (${write.why})`),
          ...(write.partitions === 'any' ? [] : write.partitions)
            .filter(
              (pattern) =>
                !writes.some(
                  (call) =>
                    grantOf(definition, call) === write &&
                    call.partitions.some((partition) => matchesIamPattern(pattern, partition)),
                ),
            )
            .map((pattern) => `${definition.name}: ${pattern} (${write.why})`),
        ]);
        const index = calls.some((call) => call.index !== undefined);
        return [
          ...unusedWrites,
          ...(definition.table?.queriesIndex && !index ? [`${definition.name}: the index`] : []),
          ...(definition.table && calls.length === 0 ? [`${definition.name}: the table`] : []),
        ];
      });
    expect(unused).toEqual([]);
  });
});

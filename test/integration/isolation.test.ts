import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { mailSecret, readOrganization } from '../../functions/stores/organization-store.ts';
import { readAppScanSettings } from '../../functions/stores/scan-store.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import type { Scope } from '../../shared/api-keys.ts';
import type { Heartbeat, HeartbeatMessage } from '../../shared/heartbeat.ts';
import { encodeCursor } from '../../shared/lookup.ts';
import { routes } from '../../shared/resources.ts';
import { unsubscribeToken } from '../../shared/unsubscribe-token.ts';
import {
  type Answer,
  type Call,
  type Caller,
  type Credential,
  callerOf,
  credentials,
  jsonOf,
  send,
} from '../support/api-client.ts';
import { context, workEvent } from '../support/events.ts';
import { heartbeat, heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { receiveWork } from '../support/local-services.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

/**
 * The isolation matrix: for every route and every credential, a caller of organization A reaches for
 * what organization B has (its app names, finding ids, packages, uploads, settings, unsubscribe
 * links) and gets only A's, or the same answer as for something that exists nowhere; every answer A
 * gets is free of B's name and of a marker carried by everything B reported; and B's views read the
 * same, byte for byte, before and after.
 */

const orgA = uniqueOrg('a');
const orgB = uniqueOrg('b');
/** In B's instance names, URLs, addresses, webhook and scan paths: no answer to A may carry it. */
const marker = `zq${randomUUID().slice(0, 8)}`;
const pkgA = packageName(uniqueOrg('pkg'));
const pkgB = packageName(uniqueOrg('pkg'));
/** A package both run, A at 1.0.0 and B at 2.0.0. */
const common = packageName(uniqueOrg('pkg'));
const nowherePackage = packageName(uniqueOrg('pkg'));
const commitB = 'b'.repeat(40);
const sharedAddress = `shared@both-${marker.slice(2)}.example`;
const neverImported = 'GHSA-none-none-none';
/** A cursor of the form this API hands out, of a list that no organization has. */
const cursorOfNobody = encodeCursor({
  rank: 0,
  key: { pk: 'ORG#nobody', sk: 'APPENV#nowhere#prod', gsi1pk: 'ORG#nobody#APPS', gsi1sk: '0#nowhere' },
});

let gateway: Gateway;
let advA: string;
let advB: string;
/** An upload B made and has not used yet. */
let uploadB: string;
/** Cursors of B's second pages. */
let cursorsOfB: { apps: string; lookup: string };
/** Unsubscribe links of the address both organizations alert. */
let tokenA: string;
let tokenB: string;
let sessionOfB: Caller;
let viewsBefore: Record<string, unknown>;

const as = (caller: Caller, call: Call) => send(gateway.url, caller, call);
const callerOfA = (credential: Credential) => callerOf(gateway.url, orgA, credential);
const callerOfB = (credential: Credential) => callerOf(gateway.url, orgB, credential);

/** What A is answered: never anything that names B or carries what B reported. */
async function fromA(caller: Caller, call: Call): Promise<Answer> {
  const answer = await as(caller, call);
  const seen = `${answer.text} ${answer.headers.get('location') ?? ''}`;
  expect(seen, `${call.method} ${call.path} as ${caller.credential}`).not.toContain(orgB);
  expect(seen, `${call.method} ${call.path} as ${caller.credential}`).not.toContain(marker);
  return answer;
}

/**
 * A's call aimed at something of B's answers exactly as the same call aimed at something that exists
 * nowhere, each name put back: so A can neither read it nor tell that it exists.
 */
async function sameAsNowhere(
  caller: Caller,
  call: (name: string) => Call,
  ofB: string,
  nowhere: string,
): Promise<Answer> {
  const aimed = await fromA(caller, call(ofB));
  const elsewhere = await fromA(caller, call(nowhere));
  expect(aimed.status).toBe(elsewhere.status);
  expect(aimed.headers.get('content-type')).toBe(elsewhere.headers.get('content-type'));
  expect(aimed.text.replaceAll(ofB, '<name>')).toBe(elsewhere.text.replaceAll(nowhere, '<name>'));
  return aimed;
}

const appPath = (app: string, environment: string) => `/v1/apps/${app}/${environment}`;
const findingPath = (app: string, environment: string, finding: string) =>
  `${appPath(app, environment)}/findings/${finding}/suppression`;
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const names = (rows: { app: string; environment: string }[]) =>
  rows.map((row) => `${row.app}/${row.environment}`).sort();

/** A running instance that loads `deps`, each package name with its version. */
const running = (
  org: string,
  app: string,
  environment: string,
  instance: string,
  deps: Record<string, string>,
  extra: Partial<Heartbeat> = {},
): HeartbeatMessage =>
  heartbeatMessage(
    org,
    {
      app,
      environment,
      instance,
      sent_at: recently(60),
      // No runtime: no Erlang/OTP advisory imported by another test file reaches these app-environments.
      runtime: {},
      release: { name: app, version: '1.0.0' },
      deps: Object.entries(deps).map(([name, version]) => ({ name, version })),
      ...extra,
    },
    recently(59),
  );

/** A small Sobelow report whose paths carry `dir`. */
const sobelowReport = (dir: string) => ({
  findings: {
    high_confidence: [
      { file: `lib/${dir}/page_controller.ex`, line: 24, type: 'XSS.SendResp: XSS in `send_resp`' },
    ],
    medium_confidence: [],
    low_confidence: [{ file: `lib/${dir}/router.ex`, line: 10, type: 'Config.CSP: Missing CSP' }],
  },
});

async function applyWork(kind: 'heartbeat' | 'scan', org: string): Promise<void> {
  const messages = (await receiveWork(kind)) as { org: string }[];
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) expect(message.org).toBe(org);
  expect((await processWork(workEvent(kind, messages), context)).batchItemFailures).toEqual([]);
}

async function deliver(...messages: HeartbeatMessage[]): Promise<void> {
  expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
}

/** Everything B can see of itself, with B's own keys and session, and what the table holds of its secrets. */
async function viewsOfB(): Promise<Record<string, unknown>> {
  const reader = await callerOfB('read');
  const admin = await callerOfB('admin');
  const calls: Record<string, [Caller, Call]> = {
    apps: [reader, { method: 'GET', path: '/v1/apps' }],
    ...Object.fromEntries(
      ['billing/prod', 'billing/staging', 'payroll/prod'].map((name) => [
        name,
        [reader, { method: 'GET', path: `/v1/apps/${name}` }],
      ]),
    ),
    lookupB: [
      reader,
      { method: 'GET', path: '/v1/lookup', query: { package: pkgB, requirement: '>= 0.0.0' } },
    ],
    lookupCommon: [
      reader,
      { method: 'GET', path: '/v1/lookup', query: { package: common, requirement: '>= 0.0.0' } },
    ],
    lookupCsv: [
      reader,
      { method: 'GET', path: '/v1/lookup', query: { package: common, version: '2.0.0', format: 'csv' } },
    ],
    blastRadius: [reader, { method: 'GET', path: '/v1/lookup', query: { advisory: advB } }],
    blastRadiusCsv: [reader, { method: 'GET', path: '/v1/lookup', query: { advisory: advB, format: 'csv' } }],
    advisories: [reader, { method: 'GET', path: '/v1/advisories' }],
    organization: [admin, { method: 'GET', path: '/v1/organization' }],
    session: [sessionOfB, { method: 'GET', path: '/v1/session' }],
  };
  const views: Record<string, unknown> = {};
  for (const [name, [caller, call]] of Object.entries(calls)) {
    const answer = await as(caller, call);
    views[name] = { status: answer.status, body: answer.text };
  }
  const organization = await readOrganization(orgB);
  views.secrets = { webhook: organization?.webhook, mail_secret: organization?.mail_secret };
  views.payrollSettings = await readAppScanSettings(orgB, 'payroll');
  return views;
}

beforeAll(async () => {
  gateway = await startGateway(0);
  advA = await criticalAdvisoryOf(pkgA, '2.0.1');
  advB = await criticalAdvisoryOf(pkgB, '2.0.1');

  // B: billing/prod (an app-environment A has too), billing/staging and payroll/prod (only B's).
  const urls = [`https://billing.${marker}.example`];
  const vulnerable = { [pkgB]: '2.0.0', [common]: '2.0.0' };
  await deliver(
    running(orgB, 'billing', 'prod', `web-1-${marker}`, vulnerable, { urls }),
    running(orgB, 'billing', 'prod', `web-2-${marker}`, vulnerable, { urls }),
    running(
      orgB,
      'billing',
      'staging',
      `stage-1-${marker}`,
      { [pkgB]: '2.0.1', [common]: '2.0.0' },
      { internet_facing: false, urls: [] },
    ),
    running(orgB, 'payroll', 'prod', `pay-1-${marker}`, vulnerable, {
      urls: [`https://payroll.${marker}.example`],
      host: `host-${marker}`,
    }),
  );
  // A: billing/prod and worker/prod.
  await deliver(
    running(
      orgA,
      'billing',
      'prod',
      'a-web-1',
      { [pkgA]: '2.0.0', [common]: '1.0.0' },
      { urls: ['https://billing.a.example'] },
    ),
    running(
      orgA,
      'worker',
      'prod',
      'a-worker-1',
      { [common]: '1.0.0' },
      { internet_facing: false, urls: [] },
    ),
  );

  const ciB = await callerOfB('ci');
  const adminB = await callerOfB('admin');
  for (const app of ['billing', 'payroll']) {
    const scan = await as(ciB, {
      method: 'POST',
      path: '/v1/scans',
      body: {
        app,
        commit_sha: commitB,
        ref: 'refs/heads/main',
        tool: 'sobelow',
        report: sobelowReport(`${marker}_web`),
      },
    });
    expect(scan.status).toBe(202);
  }
  await applyWork('scan', orgB);
  const ticket = jsonOf(await as(ciB, { method: 'POST', path: '/v1/scans/uploads', body: { bytes: 200 } }));
  const report = JSON.stringify(sobelowReport(`${marker}_upload`)).padEnd(200, ' ');
  const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: report });
  expect(put.status).toBe(200);
  uploadB = ticket.upload;

  const settle = async (caller: Caller, call: Call) => expect((await as(caller, call)).status).toBe(200);
  await settle(adminB, {
    method: 'PUT',
    path: '/v1/organization/alert-recipients',
    body: { emails: [`oncall@${marker}.example`, sharedAddress] },
  });
  await settle(adminB, {
    method: 'PUT',
    path: '/v1/organization/summary-recipients',
    body: { emails: [`security@${marker}.example`] },
  });
  await settle(adminB, {
    method: 'PUT',
    path: '/v1/organization/webhook',
    body: { url: `https://hooks.${marker}.example/muster` },
  });
  await settle(adminB, {
    method: 'PATCH',
    path: '/v1/apps/payroll',
    body: { default_branch: `release-${marker}`, check_fails_on: 'medium' },
  });
  await settle(adminB, {
    method: 'POST',
    path: findingPath('billing', 'prod', advB),
    body: { reason: `accepted by ${marker}`, author: `security-${marker}`, expires_at: inDays(30) },
  });
  const adminA = await callerOfA('admin');
  await settle(adminA, {
    method: 'PUT',
    path: '/v1/organization/alert-recipients',
    body: { emails: ['oncall@a.example', sharedAddress] },
  });
  await settle(adminA, {
    method: 'PUT',
    path: '/v1/organization/webhook',
    body: { url: 'https://hooks.a.example/muster' },
  });

  const tokenOf = async (org: string) =>
    unsubscribeToken(await mailSecret((await readOrganization(org))!), {
      org,
      list: 'alerts',
      address: sharedAddress,
    });
  [tokenA, tokenB] = [await tokenOf(orgA), await tokenOf(orgB)];

  const readerB = await callerOfB('read');
  const nextOf = async (call: Call) => {
    const cursor = jsonOf(await as(readerB, call)).next_cursor;
    expect(cursor).toEqual(expect.any(String));
    return cursor as string;
  };
  cursorsOfB = {
    apps: await nextOf({ method: 'GET', path: '/v1/apps', query: { limit: '1' } }),
    lookup: await nextOf({
      method: 'GET',
      path: '/v1/lookup',
      query: { package: common, requirement: '>= 0.0.0', limit: '1' },
    }),
  };
  sessionOfB = await callerOfB('session-read');
  viewsBefore = await viewsOfB();
  // B's views hold what the matrix reaches for, so that their staying the same means something.
  const viewOf = (name: string) => {
    const view = viewsBefore[name] as { status: number; body: string };
    expect(view.status, name).toBe(200);
    return JSON.parse(view.body);
  };
  expect(names(viewOf('apps').apps)).toEqual(['billing/prod', 'billing/staging', 'payroll/prod']);
  expect(viewOf('billing/prod').findings).toContainEqual(
    expect.objectContaining({
      id: advB,
      suppression: expect.objectContaining({ author: `security-${marker}` }),
    }),
  );
  expect(viewOf('payroll/prod').findings).toContainEqual(
    expect.objectContaining({ id: advB, status: 'open' }),
  );
  expect(viewOf('payroll/prod').scans).toEqual([expect.objectContaining({ commit_sha: commitB })]);
  expect(viewOf('lookupCommon').totals.app_environments).toBe(3);
  expect(viewOf('blastRadius').totals.app_environments).toBe(2);
  expect(viewOf('organization').webhook.url).toBe(`https://hooks.${marker}.example/muster`);
  expect(viewsBefore.payrollSettings).toMatchObject({ default_branch: `release-${marker}` });
});

afterAll(() => gateway?.close());

/** Who may call a route with a key or a session, by the scope of the key: an admin key may also read. */
const admittedBy: Record<Scope, Credential[]> = {
  ingest: ['ingest'],
  ci: ['ci'],
  read: ['read', 'admin', 'session-read', 'session-admin'],
  admin: ['admin', 'session-admin'],
};

/**
 * A route's case: what a caller of A that the route admits gets when it reaches for B's things, and,
 * for a route that needs a key's scope, its call aimed at a thing of B's name or at a thing of no
 * one's, which every other credential must be refused alike (401 without one, 403 with another).
 * Routes of their own credential (the health check, signing in with a key in the body, the session's
 * cookie, an unsubscribe link's token) admit every caller and answer by that credential alone.
 */
type RouteCase = { admitted: (caller: Caller) => Promise<void> } & (
  | { need: Scope; aimed: (name: string) => Call; names: () => [ofB: string, nowhere: string] }
  | { need: 'public' | 'sign-in' | 'session' | 'token' }
);

const lookupOf = (query: Record<string, string>): Call => ({ method: 'GET', path: '/v1/lookup', query });
const zeroTotals = {
  app_environments: 0,
  instances: 0,
  by_exposure: {
    production_internet_facing: { app_environments: 0, instances: 0 },
    production: { app_environments: 0, instances: 0 },
    other: { app_environments: 0, instances: 0 },
  },
};

const suppressionBody = { reason: 'accepted', author: 'a-admin', expires_at: inDays(7) };

const cases: Record<string, RouteCase> = {
  'GET /health': {
    need: 'public',
    admitted: async (caller) => {
      const answer = await fromA(caller, { method: 'GET', path: '/health' });
      expect([answer.status, jsonOf(answer)]).toEqual([200, { status: 'ok' }]);
    },
  },

  'POST /v1/heartbeat': {
    need: 'ingest',
    aimed: (app) => ({
      method: 'POST',
      path: '/v1/heartbeat',
      body: { ...heartbeat({ app, instance: 'a-probe' }), org: orgB },
    }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      // The body names B: the organization is the key's, whatever the body says.
      const answer = await fromA(caller, {
        method: 'POST',
        path: '/v1/heartbeat',
        body: {
          ...heartbeat({ instance: 'a-probe-1', runtime: {}, deps: [{ name: pkgA, version: '2.0.1' }] }),
          org: orgB,
        },
      });
      expect(answer.status).toBe(202);
      await applyWork('heartbeat', orgA);
      const reader = await callerOfA('read');
      const billing = jsonOf(await fromA(reader, { method: 'GET', path: appPath('billing', 'prod') }));
      expect(billing.instances.map((row: { instance: string }) => row.instance).sort()).toEqual([
        'a-probe-1',
        'a-web-1',
      ]);
    },
  },

  'POST /v1/scans': {
    need: 'ci',
    aimed: (upload) => ({
      method: 'POST',
      path: '/v1/scans',
      body: { app: 'payroll', commit_sha: commitB, tool: 'sobelow', report_upload: upload },
    }),
    names: () => [uploadB, randomUUID()],
    admitted: async (caller) => {
      // B's upload, by its id: A's uploads live under A's name, so it is not there for A.
      await sameAsNowhere(
        caller,
        (upload) => ({
          method: 'POST',
          path: '/v1/scans',
          body: { app: 'payroll', commit_sha: commitB, tool: 'sobelow', report_upload: upload },
        }),
        uploadB,
        randomUUID(),
      );
      // A scan of an app only B has, of B's commit, with B named in the body, is A's.
      const answer = await fromA(caller, {
        method: 'POST',
        path: '/v1/scans',
        body: {
          app: 'payroll',
          commit_sha: commitB,
          ref: 'refs/heads/main',
          tool: 'sobelow',
          report: sobelowReport('a_web'),
          org: orgB,
        },
      });
      expect(answer.status).toBe(202);
      await applyWork('scan', orgA);
    },
  },

  'POST /v1/scans/uploads': {
    need: 'ci',
    aimed: (org) => ({ method: 'POST', path: '/v1/scans/uploads', body: { bytes: 100, org } }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const answer = await fromA(caller, {
        method: 'POST',
        path: '/v1/scans/uploads',
        body: { bytes: 100, org: orgB },
      });
      expect(answer.status).toBe(201);
      expect(jsonOf(answer).url).toContain(`/scan-reports/${orgA}/`);
    },
  },

  'GET /v1/lookup': {
    need: 'read',
    aimed: (name) => lookupOf({ package: name, version: '2.0.0' }),
    names: () => [pkgB, nowherePackage],
    admitted: async (caller) => {
      // A package only B runs: nothing, and never reported, like a package nobody runs.
      const onlyB = jsonOf(await fromA(caller, lookupOf({ package: pkgB, requirement: '>= 0.0.0' })));
      expect(onlyB).toMatchObject({
        matches: [],
        totals: zeroTotals,
        next_cursor: null,
        package_seen: false,
      });
      expect(onlyB.did_you_mean).not.toContain(pkgB);
      const nowhere = jsonOf(
        await fromA(caller, lookupOf({ package: nowherePackage, requirement: '>= 0.0.0' })),
      );
      expect(nowhere.package_seen).toBe(false);
      // A version of a package both run that only B runs: nothing.
      expect(jsonOf(await fromA(caller, lookupOf({ package: common, version: '2.0.0' })))).toMatchObject({
        matches: [],
        totals: zeroTotals,
        package_seen: true,
      });
      // Every version of it: A's rows alone, and totals that count A's alone.
      const all = jsonOf(await fromA(caller, lookupOf({ package: common, requirement: '>= 0.0.0' })));
      expect(names(all.matches)).toEqual(['billing/prod', 'worker/prod']);
      expect(all.matches.map((row: { version: string }) => row.version)).toEqual(['1.0.0', '1.0.0']);
      expect(all.totals).toMatchObject({ app_environments: 2, instances: 2 });
      const csv = await fromA(caller, lookupOf({ package: common, requirement: '>= 0.0.0', format: 'csv' }));
      expect(csv.status).toBe(200);
      expect(csv.text.trim().split('\n')).toHaveLength(3);
      const onlyBCsv = await fromA(caller, lookupOf({ package: common, version: '2.0.0', format: 'csv' }));
      expect(onlyBCsv.text.trim().split('\n')).toHaveLength(1);
      // The blast radius of B's advisory counts none of B's findings.
      const radius = jsonOf(await fromA(caller, lookupOf({ advisory: advB })));
      expect(radius).toMatchObject({ matches: [], totals: zeroTotals, next_cursor: null });
      const radiusCsv = await fromA(caller, lookupOf({ advisory: advB, format: 'csv' }));
      expect(radiusCsv.text.trim().split('\n')).toHaveLength(1);
      expect(jsonOf(await fromA(caller, lookupOf({ advisory: advA }))).totals.app_environments).toBe(1);
      // B's cursor, replayed, reads nothing, and is refused as a cursor of nobody's is.
      const replayed = await sameAsNowhere(
        caller,
        (cursor) => lookupOf({ package: common, requirement: '>= 0.0.0', limit: '1', cursor }),
        cursorsOfB.lookup,
        cursorOfNobody,
      );
      expect(jsonOf(replayed).error).toMatchObject({ field: 'cursor' });
    },
  },

  'GET /v1/apps': {
    need: 'read',
    aimed: (environment) => ({ method: 'GET', path: '/v1/apps', query: { environment } }),
    names: () => ['staging', 'nowhere'],
    admitted: async (caller) => {
      const list = jsonOf(await fromA(caller, { method: 'GET', path: '/v1/apps' }));
      expect(names(list.apps)).toEqual(['billing/prod', 'worker/prod']);
      // B's scans of billing count in B's row alone.
      for (const row of list.apps)
        expect(row.vulnerabilities.scan).toEqual({ critical: 0, high: 0, medium: 0, low: 0 });
      await sameAsNowhere(
        caller,
        (environment) => ({ method: 'GET', path: '/v1/apps', query: { environment } }),
        'staging',
        'nowhere',
      );
      const replayed = await sameAsNowhere(
        caller,
        (cursor) => ({ method: 'GET', path: '/v1/apps', query: { limit: '1', cursor } }),
        cursorsOfB.apps,
        cursorOfNobody,
      );
      expect(jsonOf(replayed).error).toMatchObject({ field: 'cursor' });
    },
  },

  'GET /v1/apps/{app}/{environment}': {
    need: 'read',
    aimed: (app) => ({ method: 'GET', path: appPath(app, 'prod') }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      const onlyB = await sameAsNowhere(
        caller,
        (app) => ({ method: 'GET', path: appPath(app, 'prod') }),
        'payroll',
        'nowhere',
      );
      expect(onlyB.status).toBe(404);
      const otherEnvironment = await sameAsNowhere(
        caller,
        (environment) => ({ method: 'GET', path: appPath('billing', environment) }),
        'staging',
        'nowhere',
      );
      expect(otherEnvironment.status).toBe(404);
      const both = jsonOf(await fromA(caller, { method: 'GET', path: appPath('billing', 'prod') }));
      expect(both.urls).toEqual(['https://billing.a.example']);
      expect(both.dependencies.map((row: { name: string }) => row.name).sort()).toEqual(
        [common, pkgA].sort(),
      );
      expect(both.findings.map((row: { id: string }) => row.id)).toEqual([advA]);
      expect(both.scans).toEqual([]);
    },
  },

  'GET /v1/apps/{app}/{environment}/sbom': {
    need: 'read',
    aimed: (app) => ({ method: 'GET', path: `${appPath(app, 'prod')}/sbom` }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      const sbom = (app: string, environment = 'prod'): Call => ({
        method: 'GET',
        path: `${appPath(app, environment)}/sbom`,
      });
      expect((await sameAsNowhere(caller, (app) => sbom(app), 'payroll', 'nowhere')).status).toBe(404);
      expect(
        (await sameAsNowhere(caller, (environment) => sbom('billing', environment), 'staging', 'nowhere'))
          .status,
      ).toBe(404);
      const both = jsonOf(await fromA(caller, sbom('billing')));
      const hex = both.components.filter((part: { purl: string }) => part.purl.startsWith('pkg:hex/'));
      expect([...new Set(hex.map((part: { name: string }) => part.name))].sort()).toEqual(
        [common, pkgA].sort(),
      );
      expect(both.vulnerabilities.map((entry: { id: string }) => entry.id)).toEqual([advA]);
    },
  },

  'PATCH /v1/apps/{app}/{environment}': {
    need: 'admin',
    aimed: (app) => ({ method: 'PATCH', path: appPath(app, 'prod'), body: { internet_facing: false } }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      const change = (app: string, environment = 'prod'): Call => ({
        method: 'PATCH',
        path: appPath(app, environment),
        body: { handles_pii: false },
      });
      expect((await sameAsNowhere(caller, (app) => change(app), 'payroll', 'nowhere')).status).toBe(404);
      expect(
        (await sameAsNowhere(caller, (environment) => change('billing', environment), 'staging', 'nowhere'))
          .status,
      ).toBe(404);
      const both = await fromA(caller, change('billing'));
      expect(both.status).toBe(200);
      expect(jsonOf(both)).toMatchObject({ urls: ['https://billing.a.example'], handles_pii: false });
    },
  },

  'PATCH /v1/apps/{app}': {
    need: 'admin',
    aimed: (app) => ({ method: 'PATCH', path: `/v1/apps/${app}`, body: { check_fails_on: 'low' } }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      // B's settings of payroll (its default branch) are neither shown nor changed.
      const answer = await sameAsNowhere(
        caller,
        (app) => ({ method: 'PATCH', path: `/v1/apps/${app}`, body: { check_fails_on: 'low' } }),
        'payroll',
        'nowhere',
      );
      expect(jsonOf(answer)).toEqual({ app: 'payroll', default_branch: null, check_fails_on: 'low' });
    },
  },

  'GET /v1/advisories': {
    need: 'read',
    aimed: () => ({ method: 'GET', path: '/v1/advisories' }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const { advisories } = jsonOf(await fromA(caller, { method: 'GET', path: '/v1/advisories' }));
      const ids = advisories.map((row: { id: string }) => row.id);
      expect(ids).toContain(advA);
      expect(ids).not.toContain(advB);
      expect(advisories.find((row: { id: string }) => row.id === advA)).toMatchObject({
        packages: [pkgA],
        app_environments: 1,
        suppressed_in: 0,
      });
    },
  },

  'GET /v1/advisories/sources': {
    need: 'read',
    aimed: () => ({ method: 'GET', path: '/v1/advisories/sources' }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      // Public and shared: A is answered exactly what B is.
      const call: Call = { method: 'GET', path: '/v1/advisories/sources' };
      const answer = await fromA(caller, call);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe((await as(await callerOfB('read'), call)).text);
    },
  },

  'GET /v1/advisories/{id}': {
    need: 'read',
    aimed: (id) => ({ method: 'GET', path: `/v1/advisories/${id}` }),
    names: () => [advB, neverImported],
    admitted: async (caller) => {
      // The advisory is public; what B runs of it is not in it.
      const call: Call = { method: 'GET', path: `/v1/advisories/${advB}` };
      const answer = await fromA(caller, call);
      expect(answer.status).toBe(200);
      expect(answer.text).toBe((await as(await callerOfB('read'), call)).text);
    },
  },

  'POST /v1/apps/{app}/{environment}/findings/{finding}/suppression': {
    need: 'admin',
    aimed: (app) => ({ method: 'POST', path: findingPath(app, 'prod', advB), body: suppressionBody }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      const suppress = (app: string, finding: string): Call => ({
        method: 'POST',
        path: findingPath(app, 'prod', finding),
        body: suppressionBody,
      });
      // B's open finding in an app only B has, and B's finding id in an app both have.
      expect((await sameAsNowhere(caller, (app) => suppress(app, advB), 'payroll', 'nowhere')).status).toBe(
        404,
      );
      expect((await sameAsNowhere(caller, (id) => suppress('billing', id), advB, neverImported)).status).toBe(
        404,
      );
      // A's own finding: the route works.
      expect((await fromA(caller, suppress('billing', advA))).status).toBe(200);
    },
  },

  'DELETE /v1/apps/{app}/{environment}/findings/{finding}/suppression': {
    need: 'admin',
    aimed: (app) => ({ method: 'DELETE', path: findingPath(app, 'prod', advB) }),
    names: () => ['payroll', 'nowhere'],
    admitted: async (caller) => {
      const lift = (app: string, finding: string): Call => ({
        method: 'DELETE',
        path: findingPath(app, 'prod', finding),
      });
      // B's suppressed finding in billing/prod stays suppressed.
      expect((await sameAsNowhere(caller, (id) => lift('billing', id), advB, neverImported)).status).toBe(
        404,
      );
      expect((await sameAsNowhere(caller, (app) => lift(app, advB), 'payroll', 'nowhere')).status).toBe(404);
      expect((await fromA(caller, lift('billing', advA))).status).toBe(200);
    },
  },

  'POST /v1/session': {
    need: 'sign-in',
    admitted: async (caller) => {
      // The key in the body signs in, to its own organization, whatever else the body names.
      const key = caller.key ?? `mk_abcdefgh_${'A'.repeat(43)}`;
      const answer = await fromA(caller, { method: 'POST', path: '/v1/session', body: { key, org: orgB } });
      const expected: Record<Credential, number> = {
        ingest: 403,
        ci: 403,
        read: 201,
        admin: 201,
        'session-read': 201,
        'session-admin': 201,
        none: 401,
      };
      expect(answer.status).toBe(expected[caller.credential]);
      if (answer.status === 201) expect(jsonOf(answer).org).toBe(orgA);
      else expect(answer.headers.getSetCookie()).toEqual([]);
    },
  },

  'GET /v1/session': {
    need: 'session',
    admitted: async (caller) => {
      const answer = await fromA(caller, { method: 'GET', path: '/v1/session' });
      // Only a session's cookie answers; a key is no session.
      if (caller.session) expect([answer.status, jsonOf(answer).org]).toEqual([200, orgA]);
      else expect(answer.status).toBe(401);
    },
  },

  'DELETE /v1/session': {
    need: 'session',
    admitted: async (caller) => {
      expect((await fromA(caller, { method: 'DELETE', path: '/v1/session' })).status).toBe(204);
      if (caller.session) expect((await as(caller, { method: 'GET', path: '/v1/session' })).status).toBe(401);
      // It ends the caller's own session, never B's.
      expect((await as(sessionOfB, { method: 'GET', path: '/v1/session' })).status).toBe(200);
    },
  },

  'GET /v1/organization': {
    need: 'admin',
    aimed: () => ({ method: 'GET', path: '/v1/organization' }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const settings = jsonOf(await fromA(caller, { method: 'GET', path: '/v1/organization' }));
      expect(settings.org).toBe(orgA);
      expect(settings.alert_recipients).toEqual(['oncall@a.example', sharedAddress]);
    },
  },

  'PUT /v1/organization/summary-recipients': {
    need: 'admin',
    aimed: (org) => ({
      method: 'PUT',
      path: '/v1/organization/summary-recipients',
      body: { emails: ['x@a.example'], org },
    }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const answer = await fromA(caller, {
        method: 'PUT',
        path: '/v1/organization/summary-recipients',
        body: { emails: ['security@a.example'], org: orgB },
      });
      expect([answer.status, jsonOf(answer).org]).toEqual([200, orgA]);
      expect(jsonOf(answer).summary_recipients).toEqual(['security@a.example']);
    },
  },

  'PUT /v1/organization/alert-recipients': {
    need: 'admin',
    aimed: (org) => ({
      method: 'PUT',
      path: '/v1/organization/alert-recipients',
      body: { emails: ['x@a.example'], org },
    }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const answer = await fromA(caller, {
        method: 'PUT',
        path: '/v1/organization/alert-recipients',
        body: { emails: ['oncall@a.example', sharedAddress], org: orgB },
      });
      expect([answer.status, jsonOf(answer).org]).toEqual([200, orgA]);
    },
  },

  'PUT /v1/organization/webhook': {
    need: 'admin',
    aimed: (org) => ({
      method: 'PUT',
      path: '/v1/organization/webhook',
      body: { url: 'https://hooks.a.example/x', org },
    }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const answer = await fromA(caller, {
        method: 'PUT',
        path: '/v1/organization/webhook',
        body: { url: 'https://hooks.a.example/muster', org: orgB },
      });
      expect([answer.status, jsonOf(answer).org]).toEqual([200, orgA]);
      expect(jsonOf(answer).webhook.url).toBe('https://hooks.a.example/muster');
    },
  },

  'DELETE /v1/organization/webhook': {
    need: 'admin',
    aimed: () => ({ method: 'DELETE', path: '/v1/organization/webhook' }),
    names: () => [orgB, 'nowhere'],
    admitted: async (caller) => {
      const answer = await fromA(caller, { method: 'DELETE', path: '/v1/organization/webhook' });
      expect([answer.status, jsonOf(answer).org, jsonOf(answer).webhook]).toEqual([200, orgA, null]);
    },
  },

  'GET /v1/unsubscribe': {
    need: 'token',
    admitted: async (caller) => {
      // Keys and sessions play no part: the signed token is the credential.
      for (const forged of [retargeted(tokenB, orgA), retargeted(tokenA, orgB)]) {
        const answer = await fromA(caller, {
          method: 'GET',
          path: '/v1/unsubscribe',
          query: { token: forged },
        });
        expect(answer.status).toBe(400);
      }
      const own = await fromA(caller, { method: 'GET', path: '/v1/unsubscribe', query: { token: tokenA } });
      expect(own.status).toBe(200);
      expect(own.text).toContain(orgA);
    },
  },

  'POST /v1/unsubscribe': {
    need: 'token',
    admitted: async (caller) => {
      for (const forged of [retargeted(tokenB, orgA), retargeted(tokenA, orgB)]) {
        const answer = await fromA(caller, {
          method: 'POST',
          path: '/v1/unsubscribe',
          query: { token: forged },
        });
        expect(answer.status).toBe(400);
      }
      expect((await readOrganization(orgA))?.alert_recipients).toContain(sharedAddress);
      // A's own link takes the address off A's list alone; B still alerts it.
      const own = await fromA(caller, { method: 'POST', path: '/v1/unsubscribe', query: { token: tokenA } });
      expect(own.status).toBe(200);
      expect((await readOrganization(orgA))?.alert_recipients).toEqual(['oncall@a.example']);
      expect((await readOrganization(orgB))?.alert_recipients).toContain(sharedAddress);
      // Put back, so that the next credential's run finds the same.
      const restored = await as(await callerOfA('admin'), {
        method: 'PUT',
        path: '/v1/organization/alert-recipients',
        body: { emails: ['oncall@a.example', sharedAddress] },
      });
      expect(restored.status).toBe(200);
    },
  },
};

/** A token with its subscription's organization replaced, and its signature kept. */
function retargeted(token: string, org: string): string {
  const [payload, signature] = token.split('.');
  const subscription = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  return `${Buffer.from(JSON.stringify({ ...subscription, org })).toString('base64url')}.${signature}`;
}

describe('the isolation matrix', () => {
  it('has a case for every route', () => {
    expect(Object.keys(cases).sort()).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  for (const route of routes) {
    const name = `${route.method} ${route.path}`;
    it(`${name}: each credential of A gets A's alone, or is refused alike whatever it aims at`, async () => {
      const routeCase = cases[name] ?? expect.unreachable(`no isolation case for ${name}`);
      for (const credential of credentials) {
        const caller = await callerOfA(credential);
        if (!('aimed' in routeCase) || admittedBy[routeCase.need].includes(credential)) {
          await routeCase.admitted(caller);
          continue;
        }
        const [ofB, nowhere] = routeCase.names();
        const refused = await sameAsNowhere(caller, routeCase.aimed, ofB, nowhere);
        expect(refused.status, `${name} as ${credential}`).toBe(credential === 'none' ? 401 : 403);
      }
    });
  }

  it('leaves every view of B as it was', async () => {
    expect(await viewsOfB()).toEqual(viewsBefore);
  });
});

describe('rate limits', () => {
  it('count per key: a key of A that is refused for its rate leaves B’s key its own', async () => {
    const adminA = await callerOfA('admin');
    const call: Call = { method: 'GET', path: '/v1/organization' };
    let status = 200;
    for (let request = 0; request < 40 && status !== 429; request++) status = (await as(adminA, call)).status;
    expect(status).toBe(429);
    expect((await as(await callerOfB('admin'), call)).status).toBe(200);
  });
});

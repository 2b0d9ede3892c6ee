import { type ChildProcess, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints } from '../../infra/local/local-stack.ts';
import { verifyWebhook } from '../../shared/webhook.ts';
import { AdvisoryFeedServer, osvRecord } from '../support/advisory-feed-server.ts';
import { bodyOf } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { sharedAdvisories } from '../support/shared-advisories.ts';
import { nodeArguments, root, startStackProcess } from '../support/stack-process.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * The README's promise, end to end: `npm start` brings Muster up on local servers, the CLI creates
 * keys, a heartbeat goes in through the local gateway, and a lookup finds it, for its organization
 * only; advisories imported from the CLI reach the demo fleet's findings through the queue; a rolling
 * deploy of a fix closes its finding as the old instances say goodbye; an advisory published on a
 * feed becomes an alert within a minute; a second start on the same data directory finds the same data.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'muster-e2e-'));
const feed = new AdvisoryFeedServer();
const environment: NodeJS.ProcessEnv = { ...process.env, MUSTER_DATA_DIR: dataDir, MUSTER_PORT: '0' };

beforeAll(async () => {
  await feed.start();
  // The stack polls the loopback feed at its default local interval.
  environment.MUSTER_ADVISORY_SOURCES = feed.osvSource;
});

let running: ChildProcess | undefined;

async function start(): Promise<{ output: string; endpoints: Endpoints }> {
  const started = await startStackProcess(environment);
  running = started.child;
  return started;
}

async function stop(): Promise<number | null> {
  const child = running!;
  running = undefined;
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGINT');
  return exited;
}

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...nodeArguments, 'infra/cli/muster.ts', ...args],
    {
      cwd: root,
      env: environment,
    },
  );
  return stdout;
}

const lastLine = (text: string) => text.trim().split('\n').pop()!;

const example = {
  app: 'billing',
  environment: 'prod',
  instance: 'billing@web-1',
  sent_at: '2026-11-29T10:00:00Z',
  internet_facing: true,
  handles_pii: true,
  urls: ['https://billing.example.com'],
  runtime: { elixir: '1.17.3', otp: '27.1.2', erts: '15.1.2' },
  release: { name: 'billing', version: '0.4.2' },
  deps: [
    { name: 'plug', version: '1.16.1' },
    { name: 'kernel', version: '10.1.1' },
  ],
};

async function lookup(api: string, key: string, name: string, version: string) {
  const response = await fetch(`${api}/v1/lookup?package=${name}&version=${version}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { matches: { app: string; instances: { instance: string }[] }[] })
    .matches;
}

/** A GET through the local gateway, its JSON body loosely typed so that assertions can reach into it. */
async function get(api: string, key: string, path: string) {
  const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(response.status).toBe(200);
  return bodyOf({ body: await response.text() });
}

/**
 * A rolling deploy of a fix: old instances run a vulnerable version, new ones the fixed one, then the
 * old ones say goodbye as they stop. The finding closes within 30 seconds of the last goodbye.
 */
async function rollingDeploy(api: string): Promise<void> {
  const ingestKey = lastLine(await cli('keys', 'create', '--org', 'e2e-deploy', '--scope', 'ingest'));
  const readKey = lastLine(await cli('keys', 'create', '--org', 'e2e-deploy', '--scope', 'read'));
  const advisory = join(dataDir, 'GHSA-e2e-dep1-oy01.json');
  writeFileSync(
    advisory,
    JSON.stringify({
      schema_version: '1.7.3',
      id: 'GHSA-e2e-dep1-oy01',
      modified: new Date().toISOString(),
      summary: 'Remote code execution in deploy_widget',
      database_specific: { severity: 'CRITICAL' },
      affected: [
        {
          package: { ecosystem: 'Hex', name: 'deploy_widget' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.1' }] }],
        },
      ],
    }),
  );
  await cli('advisories', 'import', advisory);
  const report = async (instance: string, version: string, stopping = false) => {
    const response = await fetch(`${api}/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...example,
        app: 'shop',
        instance,
        sent_at: new Date().toISOString(),
        deps: [{ name: 'deploy_widget', version }],
        ...(stopping ? { stopping } : {}),
      }),
    });
    expect(response.status).toBe(202);
  };
  const finding = async () =>
    (await get(api, readKey, '/v1/apps/shop/prod')).findings.find(
      (f: { id: string }) => f.id === 'GHSA-e2e-dep1-oy01',
    );
  for (const instance of ['shop@old-1', 'shop@old-2']) await report(instance, '1.0.0');
  await eventually(async () => expect(await finding()).toMatchObject({ status: 'open', instance_count: 2 }));
  for (const instance of ['shop@new-1', 'shop@new-2']) await report(instance, '1.0.1');
  for (const instance of ['shop@old-1', 'shop@old-2']) await report(instance, '1.0.0', true);
  const lastGoodbye = Date.now();
  await eventually(async () => expect(await finding()).toMatchObject({ status: 'fixed' }), 30_000);
  expect(Date.now() - lastGoodbye).toBeLessThan(30_000);
  // The new instances' heartbeats may still be on their way: the counts follow once they are applied.
  await eventually(async () => {
    const [shop] = (await get(api, readKey, '/v1/apps')).apps;
    expect(shop).toMatchObject({
      app: 'shop',
      instances: { running: 2, stale: 0, stopped: 2 },
      vulnerabilities: { runtime: { critical: 0 } },
    });
  });
}

/**
 * An advisory published on the feed the stack syncs, for a package that an internet-facing production
 * app runs: the alert is in the recipient's inbox and on the webhook within a minute of publication,
 * with no command run but the settings.
 */
async function publicationToAlert(endpoints: Endpoints): Promise<void> {
  const ingestKey = lastLine(await cli('keys', 'create', '--org', 'e2e-feed', '--scope', 'ingest'));
  const readKey = lastLine(await cli('keys', 'create', '--org', 'e2e-feed', '--scope', 'read'));
  expect(
    await cli('orgs', 'alert-recipients', '--org', 'e2e-feed', '--email', 'oncall@e2e-feed.example'),
  ).toContain('Alerts of e2e-feed go to: oncall@e2e-feed.example');
  const receiver = await startWebhookReceiver();
  const secret = lastLine(await cli('orgs', 'webhook', '--org', 'e2e-feed', '--url', receiver.url));
  expect(secret).toMatch(/^whsec_/);
  const accepted = await fetch(`${endpoints.api}/v1/heartbeat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...example,
      app: 'gateway',
      instance: 'gateway@web-1',
      sent_at: new Date().toISOString(),
      deps: [{ name: 'feed_widget', version: '2.0.0' }],
    }),
  });
  expect(accepted.status).toBe(202);
  await eventually(async () =>
    expect(await lookup(endpoints.api, readKey, 'feed_widget', '2.0.0')).toHaveLength(1),
  );

  const id = 'GHSA-e2e-feed-0001';
  feed.osv.set(
    id,
    osvRecord(
      id,
      'feed_widget',
      new Date().toISOString(),
      { introduced: '0', fixed: '2.0.1' },
      {
        database_specific: { severity: 'CRITICAL' },
      },
    ),
  );
  const published = Date.now();
  let alert: { subject: string; body: { text: string } } | undefined;
  while (!alert && Date.now() - published < 60_000) {
    const { emails } = (await (await fetch(`${endpoints.ses}/store`)).json()) as {
      emails: { subject: string; destination: { to: string[] }; body: { text: string } }[];
    };
    alert = emails.find(
      (email) => email.destination.to.includes('oncall@e2e-feed.example') && email.subject.includes(id),
    );
    if (!alert) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  expect(alert?.subject).toMatch(/^\[e2e-feed\] Critical: /);
  expect(alert?.body.text).toContain('2.0.1');
  expect(Date.now() - published).toBeLessThan(60_000);
  await eventually(async () => expect(receiver.received).toHaveLength(1));
  const [delivery] = receiver.received;
  expect(
    verifyWebhook(secret, delivery!.body, delivery!.headers as Record<string, string>, new Date()),
  ).toMatchObject({
    org: 'e2e-feed',
    events: [expect.objectContaining({ vulnerability: id, severity: 'critical' })],
  });
  await receiver.stop();

  const { sources } = await get(endpoints.api, readKey, '/v1/advisories/sources');
  expect(sources).toEqual([expect.objectContaining({ source: feed.osvSource, status: 'ok', records: 1 })]);
  expect(await cli('advisories', 'sync')).toContain(`${feed.osvSource}: unchanged since the last sync`);
  expect(await cli('advisories', 'sync', '--full')).toContain(
    `${feed.osvSource}: 1 record read, 0 vulnerabilities new or changed (queued for matching), 0 records withdrawn`,
  );
}

afterAll(async () => {
  await feed.stop();
  if (running) await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('serves the API with a demo fleet, keys from the CLI, and one heartbeat end to end', async () => {
    const { output, endpoints } = await start();
    expect(output).toContain('(created now)');
    expect(Object.keys(endpoints)).toEqual(expect.arrayContaining(['api', 'dynamodb', 'sqs', 's3', 'ses']));
    expect((await fetch(`${endpoints.api}/health`)).status).toBe(200);
    expect((await fetch(`${endpoints.api}/nowhere`)).status).toBe(404);

    const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as {
      keys: Record<string, string>;
    };
    const demoMatches = await lookup(endpoints.api, demo.keys.read!, 'plug', '1.16.1');
    expect(demoMatches.map((m) => m.app)).toContain('billing');
    // The terminal's lookup (with the demo's read key): totals first, then the rows.
    const printed = (await cli('lookup', 'plug', '1.16.1')).split('\n');
    expect(printed[0]).toMatch(
      /^plug 1\.16\.1: \d+ app-environments, \d+ instances \(production and internet-facing: \d+ \/ \d+;/,
    );
    expect(printed.slice(2).join('\n')).toMatch(/^billing\/\S+ +production/m);
    // A CI scan from the terminal, with the demo's ci key; --fail-on makes the command fail.
    const sarif = join(root, '..', 'shared', 'scans', 'sobelow', 'insecure-phoenix.sarif');
    if (existsSync(sarif)) {
      const scan = [
        'scan',
        'upload',
        '--app',
        'storefront',
        '--tool',
        'sobelow',
        '--commit',
        '0123abcd'.repeat(5),
      ];
      expect(await cli(...scan, '--ref', 'refs/heads/main', sarif)).toMatch(
        /^sobelow: 10 findings \(2 high, 8 medium\) uploaded as \S+$/m,
      );
      await expect(cli(...scan, '--pull-request', '3', '--fail-on', 'high', sarif)).rejects.toThrow(
        /2 findings at or above high/,
      );
    }
    const inbox = (await (await fetch(`${endpoints.ses}/store`)).json()) as { emails: { subject: string }[] };
    const demoSummary = /^demo: .*(findings|no critical or high findings) on internet-facing apps/;
    expect(inbox.emails.map((e) => e.subject)).toContainEqual(expect.stringMatching(demoSummary));
    // Asked for again this week, the summary goes only when forced: one more email, not two.
    const summaries = async () =>
      (
        (await (await fetch(`${endpoints.ses}/store`)).json()) as { emails: { subject: string }[] }
      ).emails.filter((email) => demoSummary.test(email.subject)).length;
    expect(await cli('summary', 'send', '--org', 'demo')).toContain('who do not have it yet');
    expect(await cli('summary', 'send', '--org', 'demo', '--force')).toContain('again to those who have it');
    await eventually(async () => expect(await summaries()).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await summaries()).toBe(2);
    // Its unsubscribe link, opened and then clicked (or posted by a mail client, RFC 8058), through HTTP.
    const { emails } = (await (await fetch(`${endpoints.ses}/store`)).json()) as {
      emails: { subject: string; body: { text: string } }[];
    };
    const summaryText = emails.find((email) => demoSummary.test(email.subject))!.body.text;
    const unsubscribe = /(http:\/\/\S+\/v1\/unsubscribe\?token=\S+)/.exec(summaryText)![1]!;
    const page = await fetch(unsubscribe);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('security@demo.example');
    const clicked = await fetch(unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.status).toBe(200);
    await expect(cli('summary', 'send', '--org', 'demo', '--force')).rejects.toThrow(/no summary recipients/);

    const ingestKey = lastLine(await cli('keys', 'create', '--org', 'e2e-a', '--scope', 'ingest'));
    const readKey = lastLine(await cli('keys', 'create', '--org', 'e2e-a', '--scope', 'read'));
    const otherReadKey = lastLine(await cli('keys', 'create', '--org', 'e2e-b', '--scope', 'read'));
    const accepted = await fetch(`${endpoints.api}/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(example),
    });
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toEqual({ id: expect.any(String) });

    const matches = await eventually(async () => {
      const found = await lookup(endpoints.api, readKey, 'plug', '1.16.1');
      expect(found).toHaveLength(1);
      return found;
    });
    expect(matches[0]).toMatchObject({ app: 'billing', instances: [{ instance: 'billing@web-1' }] });
    expect(await lookup(endpoints.api, otherReadKey, 'plug', '1.16.1')).toEqual([]);

    if (existsSync(sharedAdvisories)) {
      // mix_audit's copy of the cowlib decompression bomb names no CVE; the import merges it and says so.
      const imported = await cli(
        'advisories',
        'import',
        fileURLToPath(new URL('mix-audit-yaml/packages/cowlib/', sharedAdvisories)),
        fileURLToPath(new URL('osv-hex/EEF-CVE-2026-43970.json', sharedAdvisories)),
        fileURLToPath(new URL('eef-cve-records/CVE-2026-43970.json', sharedAdvisories)),
      );
      expect(imported).toContain(
        'CVE-2026-43970: CVE-2026-43970 + GHSA-84f2-rp86-235p (GHSA-84f2-rp86-235p names no other id; same package cowlib, identical affected ranges and title)',
      );
      const advisory = await fetch(`${endpoints.api}/v1/advisories/ghsa-84f2-rp86-235p`, {
        headers: { authorization: `Bearer ${demo.keys.read}` },
      });
      expect(advisory.status).toBe(200);
      expect(((await advisory.json()) as { advisory: { id: string } }).advisory.id).toBe('CVE-2026-43970');
      // The demo's billing app runs cowlib 2.13.0: one finding of the flaw, matched through the queue.
      const bombs = await eventually(async () => {
        const detail = (await (
          await fetch(`${endpoints.api}/v1/apps/billing/prod`, {
            headers: { authorization: `Bearer ${demo.keys.read}` },
          })
        ).json()) as { findings: { id: string; aliases: string[] }[] };
        const found = detail.findings.filter((finding) =>
          [finding.id, ...finding.aliases].includes('GHSA-84f2-rp86-235p'),
        );
        expect(found).not.toEqual([]);
        return found;
      });
      expect(bombs.map((finding) => finding.id)).toEqual(['CVE-2026-43970']);
    }
    await rollingDeploy(endpoints.api);
    await publicationToAlert(endpoints);
    expect(await stop()).toBe(0);

    const again = await start();
    expect(again.output).not.toContain('(created now)');
    expect(await lookup(again.endpoints.api, readKey, 'kernel', '10.1.1')).toHaveLength(1);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as apps } from '../../functions/apps.ts';
import { handler as ingest } from '../../functions/ingest-scan.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { messageBody } from '../../functions/lib/queue.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { handler as updateApp } from '../../functions/update-app.ts';
import { uploadScan } from '../../infra/cli/scan-upload.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { latestScanKey, scanKey } from '../../shared/entities/scan.ts';
import { maxBodyBytes, reportUploads, table } from '../../shared/resources.ts';
import type { ScanMessage } from '../../shared/scan-upload.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveWork } from '../support/local-services.ts';

const mixAudit = new URL('../../../shared/scans/mix_audit/insecure-phoenix.json', import.meta.url);
const upload = (key: string, body: unknown) =>
  ingest(httpEvent({ method: 'POST', path: '/v1/scans', key, body }), context);

describe.skipIf(!existsSync(mixAudit))('scan upload of a real mix_audit report', () => {
  it('goes from CI through the queue into the app’s scan records', async () => {
    const org = uniqueOrg();
    const commit = 'a'.repeat(40);
    const report = JSON.parse(readFileSync(mixAudit, 'utf8'));
    const accepted = await upload(await keyFor(org, 'ci'), {
      app: 'shop',
      commit_sha: commit,
      ref: 'refs/heads/main',
      tool: 'mix_audit',
      report,
    });
    expect(accepted.statusCode).toBe(202);
    expect(bodyOf(accepted).findings).toBe(14);
    const messages = (await receiveWork('scan')) as ScanMessage[];
    const message = messages.find((m) => m.id === bodyOf(accepted).id)!;
    expect(message.org).toBe(org);
    expect((await processWork(workEvent('scan', [message, message]), context)).batchItemFailures).toEqual([]);
    const stored = await documents.send(
      new GetCommand({ TableName: table.name, Key: scanKey(org, 'shop', commit, 'mix_audit') }),
    );
    expect(stored.Item).toMatchObject({ ref: 'refs/heads/main', on_default_branch: true, truncated: false });
    expect(stored.Item?.findings).toHaveLength(14);
    const latest = await documents.send(
      new GetCommand({ TableName: table.name, Key: latestScanKey(org, 'shop', 'mix_audit') }),
    );
    expect(latest.Item?.commit_sha).toBe(commit);
    expect(latest.Item?.counts.high + latest.Item?.counts.medium + latest.Item?.counts.low).toBe(14);
  });
});

describe('POST /v1/scans', () => {
  it('keeps the latest report per app and tool when deliveries come out of order', async () => {
    const org = uniqueOrg();
    const base = { org, app: 'shop', tool: 'sobelow' as const, findings: [] };
    const newer: ScanMessage = {
      ...base,
      id: 'n',
      commit_sha: 'b'.repeat(40),
      received_at: '2026-11-29T11:00:00Z',
    };
    const older: ScanMessage = {
      ...base,
      id: 'o',
      commit_sha: 'c'.repeat(40),
      received_at: '2026-11-29T10:00:00Z',
    };
    await processWork(workEvent('scan', [newer]), context);
    await processWork(workEvent('scan', [older]), context);
    const latest = await documents.send(
      new GetCommand({ TableName: table.name, Key: latestScanKey(org, 'shop', 'sobelow') }),
    );
    expect(latest.Item?.commit_sha).toBe('b'.repeat(40));
  });

  it('needs a ci key and a report in the tool’s format', async () => {
    const org = uniqueOrg();
    const body = { app: 'shop', commit_sha: 'abc1234', tool: 'mix_audit', report: { pass: true } };
    expect((await upload(await keyFor(org, 'ingest'), body)).statusCode).toBe(403);
    const bad = await upload(await keyFor(org, 'ci'), body);
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).error.field).toBe('report.vulnerabilities');
    const unknownTool = await upload(await keyFor(org, 'ci'), { ...body, tool: 'credo' });
    expect(bodyOf(unknownTool).error.field).toBe('tool');
  });
});

const sobelowReport = (findings: { type: string; file: string; line: number; variable?: string }[]) => ({
  findings: { high_confidence: findings, medium_confidence: [], low_confidence: [] },
});

const xss = (line: number, variable = 'body') => ({
  type: 'XSS.SendResp: XSS in `send_resp`',
  file: 'lib/shop_web/controllers/page_controller.ex',
  line,
  variable,
});

async function uploadAndProcess(key: string, body: Record<string, unknown>): Promise<void> {
  const accepted = await upload(key, body);
  expect(accepted.statusCode, JSON.stringify(bodyOf(accepted))).toBe(202);
  const messages = (await receiveWork('scan')) as ScanMessage[];
  const message = messages.find((m) => m.id === bodyOf(accepted).id)!;
  expect((await processWork(workEvent('scan', [message]), context)).batchItemFailures).toEqual([]);
}

const latestCommit = async (org: string, app: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: table.name,
        Key: latestScanKey(org, app, 'sobelow'),
        ConsistentRead: true,
      }),
    )
  ).Item?.commit_sha;

describe('scans of branches and pull requests', () => {
  it('lets only the default branch’s latest scan speak for the app, never a pull request’s', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    const main = 'a1'.repeat(20);
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: main,
      ref: 'refs/heads/main',
      repository: 'acme/shop',
      tool: 'sobelow',
      report: sobelowReport([xss(10)]),
    });
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'b2'.repeat(20),
      ref: 'refs/pull/4/merge',
      pull_request: 4,
      repository: 'acme/shop',
      base_sha: main,
      tool: 'sobelow',
      report: sobelowReport([xss(10), xss(20, 'other')]),
    });
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'c3'.repeat(20),
      ref: 'refs/heads/feature/cart',
      tool: 'sobelow',
      report: sobelowReport([]),
    });
    expect(await latestCommit(org, 'shop')).toBe(main);
    // The pull request's scan is kept, fingerprinted, for its comparison.
    const stored = await documents.send(
      new GetCommand({ TableName: table.name, Key: scanKey(org, 'shop', 'b2'.repeat(20), 'sobelow') }),
    );
    expect(stored.Item).toMatchObject({ on_default_branch: false, pull_request: 4, base_sha: main });
    expect(stored.Item?.findings.map((f: { fingerprint: string }) => f.fingerprint)).toHaveLength(2);
  });

  it('shows the default branch’s findings on the app’s environments, with their fingerprints', async () => {
    const org = uniqueOrg();
    const heartbeat = heartbeatMessage(org, { app: 'shop', environment: 'prod' });
    expect((await processWork(workEvent('heartbeat', [heartbeat]), context)).batchItemFailures).toEqual([]);
    const key = await keyFor(org, 'ci');
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'a7'.repeat(20),
      ref: 'refs/heads/main',
      tool: 'sobelow',
      report: sobelowReport([xss(10), xss(30, 'other')]),
    });
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'b8'.repeat(20),
      pull_request: 5,
      tool: 'sobelow',
      report: sobelowReport([]),
    });
    const event = httpEvent({ path: '/v1/apps/shop/prod', key: await keyFor(org, 'read') });
    event.pathParameters = { app: 'shop', environment: 'prod' };
    const detail = bodyOf(await apps(event, context));
    expect(detail.vulnerabilities.scan).toEqual({ critical: 0, high: 2, medium: 0, low: 0 });
    const scanFindings = detail.findings.filter((finding: { source: string }) => finding.source === 'scan');
    expect(scanFindings.map((finding: { line: number }) => finding.line).sort()).toEqual([10, 30]);
    for (const finding of scanFindings) expect(finding.fingerprint).toMatch(/^[0-9a-f]{20}$/);
    expect(detail.scans).toEqual([
      {
        tool: 'sobelow',
        commit_sha: 'a7'.repeat(20),
        ref: 'refs/heads/main',
        received_at: detail.last_scanned_at,
        counts: { critical: 0, high: 2, medium: 0, low: 0 },
      },
    ]);

    // The apps list dates the default branch's last scan (not the pull request's), and raises its findings.
    const list = httpEvent({ path: '/v1/apps', key: await keyFor(org, 'read') });
    const [row] = bodyOf(await apps(list, context)).apps;
    expect(row.last_scanned_at).toBe(detail.last_scanned_at);
    expect(Date.now() - Date.parse(row.last_scanned_at)).toBeLessThan(60_000);
    expect(row.attention.reasons).toContain('2 high in the latest scans');
  });

  it('follows the default branch CI names, and an admin’s setting over it', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'd4'.repeat(20),
      ref: 'refs/heads/master',
      default_branch: 'master',
      tool: 'sobelow',
      report: sobelowReport([]),
    });
    expect(await latestCommit(org, 'shop')).toBe('d4'.repeat(20));
    const patch = httpEvent({
      method: 'PATCH',
      path: '/v1/apps/shop',
      key: await keyFor(org, 'admin'),
      body: { default_branch: 'trunk', check_fails_on: 'critical' },
    });
    patch.pathParameters = { app: 'shop' };
    const settings = await updateApp(patch, context);
    expect(bodyOf(settings)).toEqual({ app: 'shop', default_branch: 'trunk', check_fails_on: 'critical' });
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'e5'.repeat(20),
      ref: 'refs/heads/master',
      default_branch: 'master',
      tool: 'sobelow',
      report: sobelowReport([]),
    });
    expect(await latestCommit(org, 'shop')).toBe('d4'.repeat(20));
    await uploadAndProcess(key, {
      app: 'shop',
      commit_sha: 'f6'.repeat(20),
      ref: 'refs/heads/trunk',
      tool: 'sobelow',
      report: sobelowReport([]),
    });
    expect(await latestCommit(org, 'shop')).toBe('f6'.repeat(20));
  });

  it('refuses settings that are not branch names or severities, and keys that are not admin', async () => {
    const org = uniqueOrg();
    const patch = async (scope: 'admin' | 'ci', body: unknown) => {
      const event = httpEvent({
        method: 'PATCH',
        path: '/v1/apps/shop',
        key: await keyFor(org, scope),
        body,
      });
      event.pathParameters = { app: 'shop' };
      return updateApp(event, context);
    };
    expect(bodyOf(await patch('admin', { default_branch: 'two words' })).error.field).toBe('default_branch');
    expect(bodyOf(await patch('admin', { check_fails_on: 'severe' })).error.field).toBe('check_fails_on');
    expect(bodyOf(await patch('admin', {})).error.field).toBe('body');
    expect((await patch('ci', { default_branch: 'main' })).statusCode).toBe(403);
  });
});

describe('reports larger than a request', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway(0);
  });
  afterAll(() => gateway.close());

  /** A real-shaped Sobelow report of about 1.3 MB: 1,500 findings with long variable names. */
  const largeReport = () =>
    JSON.stringify(
      sobelowReport(Array.from({ length: 1500 }, (_, i) => xss(i + 1, `v${i}_${'x'.repeat(800)}`))),
    );

  it('go to a presigned upload that the scan then names, from the CLI as from CI', async () => {
    const org = uniqueOrg();
    const report = largeReport();
    expect(Buffer.byteLength(report)).toBeGreaterThan(maxBodyBytes);
    const answer = await uploadScan({
      endpoint: gateway.url,
      key: await keyFor(org, 'ci'),
      app: 'shop',
      tool: 'sobelow',
      report,
      context: { commit_sha: 'ab'.repeat(20), ref: 'refs/heads/main' },
    });
    expect(answer.findings).toBe(1500);
    expect(answer.counts.high).toBe(1500);
    // The queue carries it as a claim check: its findings are larger than a message should be.
    const [claimCheck] = await receiveWork('scan');
    expect(claimCheck).toHaveProperty('claim_check');
    const message = (await messageBody(JSON.stringify(claimCheck))) as ScanMessage;
    expect(message.id).toBe(answer.id);
    expect(message.findings).toHaveLength(1500);
    expect((await processWork(workEvent('scan', [message]), context)).batchItemFailures).toEqual([]);
    expect(await latestCommit(org, 'shop')).toBe('ab'.repeat(20));
  });

  it('are signed for their exact size and with no checksum of an empty body', async () => {
    const response = await fetch(`${gateway.url}/v1/scans/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await keyFor(uniqueOrg(), 'ci')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ bytes: 12345 }),
    });
    expect(response.status).toBe(201);
    const ticket = (await response.json()) as { url: string; method: string; upload: string };
    const url = new URL(ticket.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('content-length');
    expect([...url.searchParams.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);
    expect(url.pathname).toMatch(/\/scan-reports\/org-[0-9a-f]{8}\/[0-9a-f-]{36}$/);
    expect(ticket.method).toBe('PUT');
  });

  it('are refused above the limit, unknown to other organizations, and named when malformed', async () => {
    const ci = await keyFor(uniqueOrg(), 'ci');
    const post = (path: string, key: string, body: unknown) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/v1/scans/uploads', ci, { bytes: reportUploads.maxBytes + 1 })).status).toBe(413);
    const notSize = await post('/v1/scans/uploads', ci, { bytes: 'big' });
    expect(((await notSize.json()) as { error: { field: string } }).error.field).toBe('bytes');
    const ticket = (await (await post('/v1/scans/uploads', ci, { bytes: 9 })).json()) as {
      upload: string;
      url: string;
      headers: Record<string, string>;
    };
    await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body: 'not json!' });
    const scan = { app: 'shop', commit_sha: 'abc1234', tool: 'sobelow', report_upload: ticket.upload };
    const malformed = await post('/v1/scans', ci, scan);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { field: string } }).error.field).toBe('report_upload');
    const elsewhere = await post('/v1/scans', await keyFor(uniqueOrg(), 'ci'), scan);
    expect(elsewhere.status).toBe(404);
    const both = await post('/v1/scans', ci, { ...scan, report: {} });
    expect(((await both.json()) as { error: { field: string } }).error.field).toBe('report_upload');
  });
});

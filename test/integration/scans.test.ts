import { existsSync, readFileSync } from 'node:fs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as ingest } from '../../functions/ingest-scan.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { latestScanKey, scanKey } from '../../shared/entities/scan.ts';
import { table } from '../../shared/resources.ts';
import type { ScanMessage } from '../../shared/scan-report.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { uniqueOrg } from '../support/fixtures.ts';
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
      pull_request: 12,
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
    expect(stored.Item).toMatchObject({ pull_request: 12, truncated: false });
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

import { execFileSync } from 'node:child_process';
import { maxBodyBytes } from '../../shared/resources.ts';
import type { ScanTool, Severity, SeverityCounts } from '../../shared/scan-report.ts';
import type { CiContext } from './ci-environment.ts';

/**
 * `scan upload`: posts one tool's report to `POST /v1/scans` with a ci key, from CI or a terminal. A
 * report whose request would be larger than the API takes goes to a presigned upload first, and the
 * request names it. Connection failures, 429 and 5xx are retried with backoff.
 */

export interface ScanUploadRequest {
  endpoint: string;
  key: string;
  app: string;
  tool: ScanTool;
  /** The report as the tool wrote it. */
  report: string;
  context: CiContext;
  /** The first retry's delay; each next one doubles it. */
  retryDelayMs?: number;
}

export interface ScanUploadAnswer {
  id: string;
  findings: number;
  counts: SeverityCounts;
}

const retries = 3;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const retryable = (error: unknown) =>
  !(error instanceof ApiError) || error.status === 429 || error.status >= 500;

async function withRetries<T>(delayMs: number, attempt: () => Promise<T>): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (tries === retries || !retryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** tries));
    }
  }
}

/** Sends a request and reads its JSON answer; an error names the status and what Muster said. */
async function call(url: string, init: RequestInit, expected: number): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { field?: string; message?: string } }
    | undefined;
  if (response.status !== expected) {
    const reason = body?.error?.message ?? response.statusText;
    throw new ApiError(response.status, `${new URL(url).pathname} answered ${response.status}: ${reason}`);
  }
  return body;
}

const jsonRequest = (key: string, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The report as the request carries it: JSON tools' reports parsed, hex.audit's output as text. */
function reportValue(tool: ScanTool, report: string): unknown {
  if (tool === 'hex_audit') return report;
  try {
    return JSON.parse(report);
  } catch {
    throw new Error(
      `the ${tool} report is not JSON; give the file the tool wrote with its JSON or SARIF format`,
    );
  }
}

interface UploadTicket {
  upload: string;
  url: string;
  headers: Record<string, string>;
}

export async function uploadScan(request: ScanUploadRequest): Promise<ScanUploadAnswer> {
  const { endpoint, key, app, tool, report, context } = request;
  const delayMs = request.retryDelayMs ?? 1000;
  const scans = new URL('v1/scans', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href;
  const fields = { app, tool, ...context };
  let body: object = { ...fields, report: reportValue(tool, report) };
  if (Buffer.byteLength(JSON.stringify(body)) > maxBodyBytes) {
    const bytes = Buffer.byteLength(report);
    const ticket = (await withRetries(delayMs, () =>
      call(`${scans}/uploads`, jsonRequest(key, { bytes }), 201),
    )) as UploadTicket;
    await withRetries(delayMs, async () => {
      const response = await fetch(ticket.url, {
        method: 'PUT',
        headers: { ...ticket.headers, 'content-length': String(bytes) },
        body: report,
        signal: AbortSignal.timeout(300_000),
      });
      if (!response.ok) throw new ApiError(response.status, `the report upload answered ${response.status}`);
    });
    body = { ...fields, report_upload: ticket.upload };
  }
  return (await withRetries(delayMs, () => call(scans, jsonRequest(key, body), 202))) as ScanUploadAnswer;
}

const severities: Severity[] = ['critical', 'high', 'medium', 'low'];

/** How many findings are at or above a severity. */
export function findingsAtOrAbove(counts: SeverityCounts, level: Severity): number {
  return severities
    .slice(0, severities.indexOf(level) + 1)
    .reduce((sum, severity) => sum + counts[severity], 0);
}

/** The commit and branch of the working tree, for an upload from outside CI. */
export function gitContext(): CiContext {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const branch = git('rev-parse', '--abbrev-ref', 'HEAD');
    return {
      commit_sha: git('rev-parse', 'HEAD'),
      ref: branch === 'HEAD' ? undefined : `refs/heads/${branch}`,
    };
  } catch {
    return {};
  }
}

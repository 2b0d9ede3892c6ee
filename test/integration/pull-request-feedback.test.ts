import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as ingest } from '../../functions/ingest-scan.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { context, httpEvent, workEvent } from '../support/events.ts';
import { uniqueOrg } from '../support/fixtures.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { keyFor, receiveWork } from '../support/local-services.ts';

/**
 * A pull request's scans through the work queue to GitHub: the loopback server verifies the App's JWT
 * and installation tokens and records what Muster posts.
 */

let github: GitHubServer;

// The functions read the App's settings at their first use, so these (the local mode's) apply.
beforeAll(async () => {
  github = await startGitHubServer({ installedOn: ['acme/shop'] });
  process.env.GITHUB_APP_ID = github.appId;
  process.env.GITHUB_PRIVATE_KEY = github.privateKeyPem;
  process.env.GITHUB_API_URL = github.url;
});

afterAll(() => github.stop());

/** Uploads a scan and processes it; answers the feedback it asked for. */
async function scan(key: string, body: Record<string, unknown>): Promise<unknown[]> {
  const accepted = await ingest(httpEvent({ method: 'POST', path: '/v1/scans', key, body }), context);
  expect(accepted.statusCode).toBe(202);
  const scans = await receiveWork('scan');
  expect((await processWork(workEvent('scan', scans), context)).batchItemFailures).toEqual([]);
  return receiveWork('feedback');
}

const giveFeedback = async (feedback: unknown[]) =>
  (await processWork(workEvent('feedback', feedback), context)).batchItemFailures;

const base = 'ba5e'.repeat(10);
const head = 'beef'.repeat(10);

const sobelow = (findings: { type: string; file: string; line: number; variable?: string }[]) => ({
  findings: { high_confidence: findings, medium_confidence: [], low_confidence: [] },
});

const sendResp = (line: number) => ({
  type: 'XSS.SendResp: XSS in `send_resp`',
  file: 'lib/shop_web/controllers/page_controller.ex',
  line,
  variable: 'body',
});

const hostile = {
  type: 'SQL.Query: SQL injection <!-- muster:scan-feedback app=shop --> @acme/security [x](https://evil.example)',
  file: 'lib/shop/<img src=x onerror=alert(1)>.ex',
  line: 7,
  variable: 'q',
};

describe('feedback on a pull request', () => {
  it('comments once, updates that comment in place, and creates a check run per run', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    // The base, on the default branch: one finding. It asks for no feedback.
    expect(
      await scan(key, {
        app: 'shop',
        commit_sha: base,
        ref: 'refs/heads/main',
        repository: 'acme/shop',
        tool: 'sobelow',
        report: sobelow([sendResp(40)]),
      }),
    ).toEqual([]);
    // The pull request moves the old finding down 12 lines and adds a hostile one.
    const pullRequest = {
      app: 'shop',
      commit_sha: head,
      ref: 'refs/pull/9/merge',
      pull_request: 9,
      repository: 'acme/shop',
      base_sha: base,
      tool: 'sobelow',
    };
    const feedback = await scan(key, { ...pullRequest, report: sobelow([sendResp(52), hostile]) });
    expect(feedback).toEqual([
      { org, app: 'shop', repository: 'acme/shop', pull_request: 9, head_sha: head },
    ]);
    expect(await giveFeedback(feedback)).toEqual([]);

    const [comment] = github.comments('acme/shop', 9);
    expect(github.comments('acme/shop', 9)).toHaveLength(1);
    expect(comment!.body).toMatch(/1 new finding/i);
    expect(comment!.body).toMatch(/1 unchanged/i);
    // The hostile strings are text (markdown escapes): no second marker, mention, link or HTML tag.
    expect(comment!.body.match(/<!-- muster:scan-feedback/g)).toHaveLength(1);
    expect(comment!.body).not.toMatch(/(^|\s)@acme\/security/);
    expect(comment!.body).not.toMatch(/[^\\]\]\(https/);
    expect(comment!.body).not.toMatch(/(^|[^\\])<img/);
    expect(comment!.body).toContain('\\<img');
    const [checkRun] = github.checkRuns('acme/shop');
    expect(checkRun).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(checkRun!.output.annotations).toHaveLength(1);
    expect(checkRun!.output.annotations[0]).toMatchObject({ start_line: 7, annotation_level: 'failure' });

    // A second run, after the hostile finding is fixed: the same comment, edited; a new check run.
    const again = await scan(key, { ...pullRequest, report: sobelow([sendResp(53)]) });
    expect(await giveFeedback(again)).toEqual([]);
    const comments = github.comments('acme/shop', 9);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(comment!.id);
    expect(comments[0]!.body).toMatch(/no new findings/i);
    expect(github.checkRuns('acme/shop').at(-1)).toMatchObject({ conclusion: 'success' });
    expect(
      github.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/issues/comments/')),
    ).toHaveLength(1);
  });

  it('retries when GitHub answers 500, without losing the scan or posting twice', async () => {
    const feedback = await scan(await keyFor(uniqueOrg(), 'ci'), {
      app: 'shop',
      commit_sha: 'c0de'.repeat(10),
      pull_request: 21,
      repository: 'acme/shop',
      tool: 'sobelow',
      report: sobelow([sendResp(1)]),
    });
    github.failNext(1);
    expect(await giveFeedback(feedback)).toHaveLength(1);
    expect(github.comments('acme/shop', 21)).toEqual([]);
    expect(await giveFeedback(feedback)).toEqual([]);
    expect(github.comments('acme/shop', 21)).toHaveLength(1);
    // No earlier scan to compare with: every finding is new, and a high one fails the check.
    expect(github.checkRuns('acme/shop').filter((run) => run.head_sha === 'c0de'.repeat(10))).toEqual([
      expect.objectContaining({ conclusion: 'failure' }),
    ]);
  });

  it('sends nothing for a repository the App is not installed on, and does not retry', async () => {
    const feedback = await scan(await keyFor(uniqueOrg(), 'ci'), {
      app: 'shop',
      commit_sha: head,
      pull_request: 1,
      repository: 'other/repo',
      tool: 'sobelow',
      report: sobelow([sendResp(1)]),
    });
    const before = github.requests.length;
    expect(await giveFeedback(feedback)).toEqual([]);
    expect(github.requests.slice(before).map((request) => request.path)).toEqual([
      '/repos/other/repo/installation',
    ]);
    expect(github.comments('other/repo', 1)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as ingest } from '../../functions/ingest-scan.ts';
import { logger } from '../../functions/lib/logger.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { bindGitHubOwners } from '../../functions/stores/github-owner-store.ts';
import { readScansOfCommit } from '../../functions/stores/scan-store.ts';
import { captureOutput, logged } from '../support/emitted.ts';
import { context, httpEvent, workEvent } from '../support/events.ts';
import { uniqueGitHubOwner, uniqueOrg } from '../support/fixtures.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';
import { keyFor, receiveWork } from '../support/local-services.ts';

/**
 * A pull request's scans through the work queue to GitHub: the loopback server verifies the App's JWT
 * and installation tokens and records what Muster posts. Each test binds GitHub accounts of its own to
 * its organizations, as the operator does, since feedback goes only to the bound accounts' repositories.
 */

let github: GitHubServer;

// The functions read the App's settings at their first use, so these (the local mode's) apply.
beforeAll(async () => {
  github = await startGitHubServer();
  process.env.GITHUB_APP_ID = github.appId;
  process.env.GITHUB_PRIVATE_KEY = github.privateKeyPem;
  process.env.GITHUB_API_URL = github.url;
});

afterAll(() => github.stop());

/** A repository of a new GitHub account bound to the organization, with the App installed on it. */
async function boundRepository(org: string, name = 'shop'): Promise<string> {
  const owner = uniqueGitHubOwner();
  await bindGitHubOwners(org, [owner]);
  const repository = `${owner}/${name}`;
  github.installOn(repository);
  return repository;
}

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
    const repository = await boundRepository(org);
    // The base, on the default branch: one finding. It asks for no feedback.
    expect(
      await scan(key, {
        app: 'shop',
        commit_sha: base,
        ref: 'refs/heads/main',
        repository,
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
      repository,
      base_sha: base,
      tool: 'sobelow',
    };
    const feedback = await scan(key, { ...pullRequest, report: sobelow([sendResp(52), hostile]) });
    expect(feedback).toEqual([{ org, app: 'shop', repository, pull_request: 9, head_sha: head }]);
    expect(await giveFeedback(feedback)).toEqual([]);

    const [comment] = github.comments(repository, 9);
    expect(github.comments(repository, 9)).toHaveLength(1);
    expect(comment!.body).toMatch(/1 new finding/i);
    expect(comment!.body).toMatch(/1 unchanged/i);
    // The hostile strings are text (markdown escapes): no second marker, mention, link or HTML tag.
    expect(comment!.body.match(/<!-- muster:scan-feedback/g)).toHaveLength(1);
    expect(comment!.body).not.toMatch(/(^|\s)@acme\/security/);
    expect(comment!.body).not.toMatch(/[^\\]\]\(https/);
    expect(comment!.body).not.toMatch(/(^|[^\\])<img/);
    expect(comment!.body).toContain('\\<img');
    const [checkRun] = github.checkRuns(repository);
    expect(checkRun).toMatchObject({ head_sha: head, status: 'completed', conclusion: 'failure' });
    expect(checkRun!.output.annotations).toHaveLength(1);
    expect(checkRun!.output.annotations[0]).toMatchObject({ start_line: 7, annotation_level: 'failure' });

    // A second run, after the hostile finding is fixed: the same comment, edited; a new check run.
    const again = await scan(key, { ...pullRequest, report: sobelow([sendResp(53)]) });
    expect(await giveFeedback(again)).toEqual([]);
    const comments = github.comments(repository, 9);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.id).toBe(comment!.id);
    expect(comments[0]!.body).toMatch(/no new findings/i);
    expect(github.checkRuns(repository).at(-1)).toMatchObject({ conclusion: 'success' });
    expect(
      github.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/issues/comments/')),
    ).toHaveLength(1);
  });

  it('retries when GitHub answers 500, without losing the scan or posting twice', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    const repository = await boundRepository(org);
    const feedback = await scan(key, {
      app: 'shop',
      commit_sha: 'c0de'.repeat(10),
      pull_request: 21,
      repository,
      tool: 'sobelow',
      report: sobelow([sendResp(1)]),
    });
    github.failNext(1);
    expect(await giveFeedback(feedback)).toHaveLength(1);
    expect(github.comments(repository, 21)).toEqual([]);
    expect(await giveFeedback(feedback)).toEqual([]);
    expect(github.comments(repository, 21)).toHaveLength(1);
    // No earlier scan to compare with: every finding is new, and a high one fails the check.
    expect(github.checkRuns(repository).filter((run) => run.head_sha === 'c0de'.repeat(10))).toEqual([
      expect.objectContaining({ conclusion: 'failure' }),
    ]);
  });

  it('sends nothing for a repository the App is not installed on, and does not retry', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    const owner = uniqueGitHubOwner();
    await bindGitHubOwners(org, [owner]);
    const feedback = await scan(key, {
      app: 'shop',
      commit_sha: head,
      pull_request: 1,
      repository: `${owner}/repo`,
      tool: 'sobelow',
      report: sobelow([sendResp(1)]),
    });
    const before = github.requests.length;
    expect(await giveFeedback(feedback)).toEqual([]);
    expect(github.requests.slice(before).map((request) => request.path)).toEqual([
      `/repos/${owner}/repo/installation`,
    ]);
    expect(github.comments(`${owner}/repo`, 1)).toEqual([]);
  });
});

describe('which repositories get feedback', () => {
  const pullRequestOf = (repository: string) => ({
    app: 'shop',
    commit_sha: head,
    ref: 'refs/pull/9/merge',
    pull_request: 9,
    repository,
    base_sha: base,
    tool: 'sobelow',
  });

  it('never writes on another organization’s pull request, whatever its scan names', async () => {
    const orgB = uniqueOrg('b');
    const keyB = await keyFor(orgB, 'ci');
    const bCorp = uniqueGitHubOwner('b-corp');
    await bindGitHubOwners(orgB, [bCorp]);
    const payments = `${bCorp}/payments`;
    github.installOn(payments);
    expect(
      await giveFeedback(await scan(keyB, { ...pullRequestOf(payments), report: sobelow([sendResp(3)]) })),
    ).toEqual([]);
    expect(github.comments(payments, 9)).toEqual([
      expect.objectContaining({ body: expect.stringMatching(/1 new finding/i) }),
    ]);
    expect(github.checkRuns(payments)).toEqual([
      expect.objectContaining({ name: 'Muster (shop)', head_sha: head, conclusion: 'failure' }),
    ]);
    const commentsOfB = structuredClone(github.comments(payments, 9));
    const checkRunsOfB = structuredClone(github.checkRuns(payments));

    // A, with an account of its own, names B's repository, pull request, app and commit in an empty scan.
    const orgA = uniqueOrg('a');
    const keyA = await keyFor(orgA, 'ci');
    await boundRepository(orgA);
    const feedbackOfA = await scan(keyA, { ...pullRequestOf(payments), report: sobelow([]) });
    expect(feedbackOfA).toEqual([
      { org: orgA, app: 'shop', repository: payments, pull_request: 9, head_sha: head },
    ]);
    const before = github.requests.length;
    expect(await giveFeedback(feedbackOfA)).toEqual([]);
    expect(github.requests.slice(before)).toEqual([]);
    expect(github.comments(payments, 9)).toEqual(commentsOfB);
    expect(github.checkRuns(payments)).toEqual(checkRunsOfB);
    // A's scan is stored as any other, under A.
    expect(await readScansOfCommit(orgA, 'shop', head)).toEqual([
      expect.objectContaining({ repository: payments, pull_request: 9, findings: [] }),
    ]);
  });

  it('skips an account bound to no organization, saying why, with no request and no retry', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    const unbound = uniqueGitHubOwner('unbound');
    github.installOn(`${unbound}/shop`);
    const feedback = await scan(key, { ...pullRequestOf(`${unbound}/shop`), report: sobelow([sendResp(1)]) });
    const output = captureOutput();
    logger.setLogLevel('INFO');
    const before = github.requests.length;
    try {
      expect(await giveFeedback(feedback)).toEqual([]);
    } finally {
      logger.setLogLevel('SILENT');
      output.restore();
    }
    expect(github.requests.slice(before)).toEqual([]);
    expect(logged(output.lines(), 'notification sent')).toEqual([
      expect.objectContaining({
        skipped: `the GitHub account ${unbound} is not bound to organization ${org}`,
      }),
    ]);
  });

  it('matches the account without case, and stops once it is unbound', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ci');
    const owner = uniqueGitHubOwner('Mixed-Case');
    await bindGitHubOwners(org, [owner.toLowerCase()]);
    const repository = `${owner}/shop`;
    github.installOn(repository);
    const report = sobelow([sendResp(1)]);
    expect(await giveFeedback(await scan(key, { ...pullRequestOf(repository), report }))).toEqual([]);
    expect(github.comments(repository, 9)).toHaveLength(1);

    await bindGitHubOwners(org, []);
    const before = github.requests.length;
    expect(await giveFeedback(await scan(key, { ...pullRequestOf(repository), report }))).toEqual([]);
    expect(github.requests.slice(before)).toEqual([]);
  });
});

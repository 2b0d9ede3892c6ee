import { generateKeyPairSync } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GitHubApiError,
  GitHubApp,
  GitHubAppNotInstalled,
  gitHubApp,
  gitHubAppSettings,
} from '../../functions/lib/github-app.ts';
import { ValidationError } from '../../shared/errors.ts';
import type { CheckAnnotation, CheckRunOutput } from '../../shared/pull-request-feedback.ts';
import { type GitHubServer, startGitHubServer } from '../support/github-server.ts';

/**
 * The GitHub App client against a loopback GitHub that verifies the app's JWTs and installation
 * tokens, served below `/api/v3` as GitHub Enterprise Server is.
 */

const repository = 'acme/shop';
const marker = '<!-- muster:scan-feedback app=shop -->';

let github: GitHubServer;
let pullRequests = 0;
/** A pull request of its own for each test, so that tests never see each other's comments. */
const newPullRequest = () => ++pullRequests;

beforeAll(async () => {
  github = await startGitHubServer({ installedOn: [repository], basePath: '/api/v3' });
  process.env.GITHUB_APP_ID = github.appId;
  process.env.GITHUB_API_URL = `${github.url}/`;
  process.env.GITHUB_PRIVATE_KEY = github.privateKeyPem;
});

afterAll(async () => {
  delete process.env.GITHUB_APP_ID;
  delete process.env.GITHUB_API_URL;
  delete process.env.GITHUB_PRIVATE_KEY;
  await github.stop();
});

/** A client with empty caches. */
const freshClient = () => new GitHubApp(gitHubAppSettings()!);

/** The requests made while `action` ran. */
async function requestsDuring(action: () => Promise<unknown>) {
  const before = github.requests.length;
  await action();
  return github.requests.slice(before);
}

function annotation(index: number): CheckAnnotation {
  return {
    path: 'lib/shop.ex',
    start_line: index + 1,
    end_line: index + 1,
    annotation_level: 'warning',
    title: `finding ${index}`,
    message: `message ${index}`,
  };
}

const checkOutput = (annotations: CheckAnnotation[]): CheckRunOutput => ({
  conclusion: 'failure',
  title: `${annotations.length} new findings`,
  summary: '### Muster',
  annotations,
});

describe('settings', () => {
  it('are undefined when no app is configured', () => {
    expect(gitHubAppSettings({})).toBeUndefined();
    expect(gitHubAppSettings({ GITHUB_APP_ID: '' })).toBeUndefined();
  });

  it('default to github.com, keep an Enterprise Server path and take a key or a secret holding one', () => {
    expect(gitHubAppSettings({ GITHUB_APP_ID: '12', GITHUB_PRIVATE_KEY: 'pem' })).toEqual({
      appId: '12',
      apiUrl: 'https://api.github.com',
      privateKey: { pem: 'pem' },
    });
    expect(
      gitHubAppSettings({
        GITHUB_APP_ID: '12',
        GITHUB_API_URL: 'https://ghe.example/api/v3/',
        GITHUB_PRIVATE_KEY_SECRET: 'arn:aws:secretsmanager:eu-west-1:1:secret:github-app',
      }),
    ).toEqual({
      appId: '12',
      apiUrl: 'https://ghe.example/api/v3',
      privateKey: { secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:github-app' },
    });
  });

  it('refuse an app without a key, or a malformed setting', () => {
    expect(() => gitHubAppSettings({ GITHUB_APP_ID: '12' })).toThrow(/GITHUB_PRIVATE_KEY/);
    expect(() => gitHubAppSettings({ GITHUB_APP_ID: 'muster', GITHUB_PRIVATE_KEY: 'pem' })).toThrow();
    expect(() =>
      gitHubAppSettings({ GITHUB_APP_ID: '12', GITHUB_PRIVATE_KEY: 'pem', GITHUB_API_URL: 'ftp://x' }),
    ).toThrow();
  });

  it('are read at first use, so that a process can set them before', () => {
    expect(gitHubApp()?.settings).toMatchObject({ appId: github.appId, apiUrl: github.url });
    expect(gitHubApp()).toBe(gitHubApp());
  });
});

describe('authentication', () => {
  it('signs a JWT that GitHub accepts, and trades it for an installation token', async () => {
    const requests = await requestsDuring(() => freshClient().installationToken(repository));
    expect(requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'GET /repos/acme/shop/installation',
      `POST /app/installations/${github.installOn(repository)}/access_tokens`,
    ]);
    expect(requests[0]!.headers).toMatchObject({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'muster',
    });
  });

  it('is refused with a key that is not the app’s', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const impostor = new GitHubApp({
      ...gitHubAppSettings()!,
      privateKey: { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
    });
    await expect(impostor.installationToken(repository)).rejects.toMatchObject({
      name: 'GitHubApiError',
      status: 401,
    });
  });

  it('reuses an installation token for later operations', async () => {
    const client = freshClient();
    const pullRequest = newPullRequest();
    const requests = await requestsDuring(async () => {
      await client.upsertComment(repository, pullRequest, marker, `${marker}\nfirst`);
      await client.createCheckRun(repository, 'a'.repeat(40), 'Muster (shop)', checkOutput([]));
    });
    expect(requests.filter(({ path }) => path.endsWith('/access_tokens'))).toHaveLength(1);
    expect(requests.filter(({ path }) => path.endsWith('/installation'))).toHaveLength(1);
  });

  it('renews a token that expires within five minutes', async () => {
    const shortLived = await startGitHubServer({ installedOn: [repository], tokenLifetimeSeconds: 240 });
    try {
      const client = new GitHubApp({
        appId: shortLived.appId,
        apiUrl: shortLived.url,
        privateKey: { pem: shortLived.privateKeyPem },
      });
      await client.installationToken(repository);
      await client.installationToken(repository);
      expect(shortLived.requests.filter(({ path }) => path.endsWith('/access_tokens'))).toHaveLength(2);
    } finally {
      await shortLived.stop();
    }
  });

  it('reads a key from Secrets Manager once for the container’s life', async () => {
    const secretsManager = mockClient(SecretsManagerClient);
    try {
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: github.privateKeyPem });
      const client = new GitHubApp({ ...gitHubAppSettings()!, privateKey: { secretId: 'github-app-key' } });
      await client.appJwt();
      await client.installationToken(repository);
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
      expect(secretsManager.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({
        SecretId: 'github-app-key',
      });
    } finally {
      secretsManager.restore();
    }
  });
});

describe('upsertComment', () => {
  it('creates the comment, then updates it in place', async () => {
    const client = freshClient();
    const pullRequest = newPullRequest();
    const first = await client.upsertComment(repository, pullRequest, marker, `${marker}\nfirst`);
    const second = await client.upsertComment(repository, pullRequest, marker, `${marker}\nsecond`);
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(github.comments(repository, pullRequest)).toEqual([
      { id: first.id, body: `${marker}\nsecond`, user: { login: 'muster[bot]', type: 'Bot' } },
    ]);
  });

  it('ignores a person’s comment that carries the marker', async () => {
    const pullRequest = newPullRequest();
    github.addHumanComment(repository, pullRequest, `> ${marker}\n> 3 new findings\n\nWhy?`);
    github.addHumanComment(repository, pullRequest, `${marker}\npasted`);
    const result = await freshClient().upsertComment(repository, pullRequest, marker, `${marker}\nours`);
    expect(result.created).toBe(true);
    const comments = github.comments(repository, pullRequest);
    expect(comments.map((comment) => comment.user.type)).toEqual(['User', 'User', 'Bot']);
    expect(comments[1]!.body).toBe(`${marker}\npasted`);
  });

  it('ignores the app’s comment for another app', async () => {
    const client = freshClient();
    const pullRequest = newPullRequest();
    const otherMarker = '<!-- muster:scan-feedback app=shop-admin -->';
    await client.upsertComment(repository, pullRequest, otherMarker, `${otherMarker}\nadmin`);
    const result = await client.upsertComment(repository, pullRequest, marker, `${marker}\nshop`);
    expect(result.created).toBe(true);
    expect(github.comments(repository, pullRequest)).toHaveLength(2);
  });

  it('finds its comment on a later page', async () => {
    const client = freshClient();
    const pullRequest = newPullRequest();
    for (let n = 0; n < 250; n++) github.addHumanComment(repository, pullRequest, `comment ${n}`);
    const ours = await client.upsertComment(repository, pullRequest, marker, `${marker}\nfirst`);
    const requests = await requestsDuring(() =>
      client.upsertComment(repository, pullRequest, marker, `${marker}\nsecond`),
    );
    expect(requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `GET /repos/acme/shop/issues/${pullRequest}/comments?per_page=100&page=1`,
      `GET /repos/acme/shop/issues/${pullRequest}/comments?per_page=100&page=2`,
      `GET /repos/acme/shop/issues/${pullRequest}/comments?per_page=100&page=3`,
      `PATCH /repos/acme/shop/issues/comments/${ours.id}`,
    ]);
    expect(github.comments(repository, pullRequest)).toHaveLength(251);
    expect(github.comments(repository, pullRequest).at(-1)!.body).toBe(`${marker}\nsecond`);
  });

  it('stops at the last page when its comment is not there', async () => {
    const pullRequest = newPullRequest();
    for (let n = 0; n < 100; n++) github.addHumanComment(repository, pullRequest, `comment ${n}`);
    const requests = await requestsDuring(() =>
      freshClient().upsertComment(repository, pullRequest, marker, `${marker}\nnew`),
    );
    expect(requests.filter(({ method }) => method === 'GET').map(({ path }) => path)).toEqual([
      '/repos/acme/shop/installation',
      `/repos/acme/shop/issues/${pullRequest}/comments?per_page=100&page=1`,
    ]);
  });
});

describe('createCheckRun', () => {
  it('sends 120 annotations as one creation and two updates of at most 50', async () => {
    const annotations = Array.from({ length: 120 }, (_, index) => annotation(index));
    const client = freshClient();
    await client.installationToken(repository);
    let id = 0;
    const requests = await requestsDuring(async () => {
      ({ id } = await client.createCheckRun(
        repository,
        'b'.repeat(40),
        'Muster (shop)',
        checkOutput(annotations),
      ));
    });
    expect(requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'POST /repos/acme/shop/check-runs',
      `PATCH /repos/acme/shop/check-runs/${id}`,
      `PATCH /repos/acme/shop/check-runs/${id}`,
    ]);
    const sizes = requests.map(
      (request) => (request.body as { output: { annotations: unknown[] } }).output.annotations.length,
    );
    expect(sizes).toEqual([50, 50, 20]);
    expect(requests[0]!.body).toMatchObject({
      name: 'Muster (shop)',
      head_sha: 'b'.repeat(40),
      status: 'completed',
      conclusion: 'failure',
      output: { title: '120 new findings', summary: '### Muster' },
    });
    expect((requests[0]!.body as { completed_at: string }).completed_at).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    const stored = github.checkRuns(repository).find((checkRun) => checkRun.id === id)!;
    expect(stored.output.annotations).toEqual(annotations);
  });

  it('creates a check run without annotations in one request', async () => {
    const requests = await requestsDuring(() =>
      freshClient().createCheckRun(repository, 'c'.repeat(40), 'Muster (shop)', {
        ...checkOutput([]),
        conclusion: 'success',
      }),
    );
    expect(requests.filter(({ path }) => path.includes('/check-runs')).map(({ method }) => method)).toEqual([
      'POST',
    ]);
  });
});

describe('failures', () => {
  it('tells that the app is not installed on a repository, distinctly', async () => {
    const requests = await requestsDuring(async () => {
      await expect(
        freshClient().upsertComment('acme/elsewhere', newPullRequest(), marker, marker),
      ).rejects.toBeInstanceOf(GitHubAppNotInstalled);
    });
    expect(requests.map(({ path }) => path)).toEqual(['/repos/acme/elsewhere/installation']);
  });

  it('throws on a server error, naming the request and never a credential', async () => {
    const client = freshClient();
    const token = await client.installationToken(repository);
    github.failNext(1);
    const failure = await client
      .createCheckRun(repository, 'd'.repeat(40), 'Muster (shop)', checkOutput([]))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GitHubApiError);
    expect(failure).toMatchObject({
      status: 500,
      message: 'GitHub answered 500 to POST /repos/acme/shop/check-runs',
    });
    expect(String((failure as Error).message)).not.toContain(token);
    // The queue retries; the next try goes through.
    await expect(
      client.createCheckRun(repository, 'd'.repeat(40), 'Muster (shop)', checkOutput([])),
    ).resolves.toMatchObject({ id: expect.any(Number) });
  });

  it('throws when GitHub cannot be reached', async () => {
    const unreachable = new GitHubApp({ ...gitHubAppSettings()!, apiUrl: 'http://127.0.0.1:1' });
    await expect(unreachable.installationToken(repository)).rejects.toThrow(
      /^GitHub unreachable for GET \/repos\/acme\/shop\/installation/,
    );
  });

  it('refuses a repository that is not exactly owner/name, before any request', async () => {
    const client = freshClient();
    const requests = await requestsDuring(async () => {
      for (const bad of ['acme', 'acme/shop/extra', 'acme/..', '../shop', 'acme/shop?x=1', 'acme/sh op']) {
        await expect(client.upsertComment(bad, 1, marker, marker)).rejects.toBeInstanceOf(ValidationError);
      }
      await expect(client.upsertComment(repository, 0, marker, marker)).rejects.toBeInstanceOf(
        ValidationError,
      );
    });
    expect(requests).toEqual([]);
  });
});

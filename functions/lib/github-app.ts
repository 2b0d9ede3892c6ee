import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import * as z from 'zod';
import { ValidationError } from '../../shared/errors.ts';
import type { CheckRunOutput } from '../../shared/pull-request-feedback.ts';
import { isGitHubRepository } from '../../shared/scan-upload.ts';

/**
 * A GitHub App as Muster uses it: it signs a JWT as the app, trades it for an installation token per
 * repository, and with that comments on pull requests and creates check runs. Failures throw and are
 * not retried here: the queue that asked for the feedback retries with backoff.
 */

/** A request that does not finish within this long fails, and is tried again on the queue's backoff. */
const timeoutMs = 10_000;
/** An installation token is renewed this long before GitHub's expiry, so that none expires mid-run. */
const tokenRenewalMs = 5 * 60_000;
/** GitHub's most per page, and its most annotations per check-run request (later ones are appended). */
const commentsPerPage = 100;
const annotationsPerRequest = 50;
/** A pull request with more comments than these pages hold is not searched further for Muster's own. */
const maxCommentPages = 50;

const unsetWhenEmpty = (value: unknown) => (value === '' ? undefined : value);

const settingsSchema = z
  .object({
    GITHUB_APP_ID: z.string().regex(/^\d+$/, 'must be the numeric app id'),
    /** GitHub Enterprise Server's is `https://HOST/api/v3`. */
    GITHUB_API_URL: z.preprocess(
      unsetWhenEmpty,
      z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
    ),
    /** The app's private key as PEM text: for local mode and tests. */
    GITHUB_PRIVATE_KEY: z.preprocess(unsetWhenEmpty, z.string().optional()),
    /** A Secrets Manager secret (id or ARN) whose SecretString is the PEM: for deployments. */
    GITHUB_PRIVATE_KEY_SECRET: z.preprocess(unsetWhenEmpty, z.string().optional()),
  })
  .refine((settings) => settings.GITHUB_PRIVATE_KEY || settings.GITHUB_PRIVATE_KEY_SECRET, {
    message: 'GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_SECRET must be set with GITHUB_APP_ID',
  });

export interface GitHubAppSettings {
  appId: string;
  apiUrl: string;
  privateKey: { pem: string } | { secretId: string };
}

/**
 * The GitHub App from the environment, or undefined when none is configured (no `GITHUB_APP_ID`). An
 * app configured without a key, or with a malformed setting, throws: a misdeployment fails loudly.
 */
export function gitHubAppSettings(
  environment: NodeJS.ProcessEnv = process.env,
): GitHubAppSettings | undefined {
  if (!environment.GITHUB_APP_ID) return undefined;
  const settings = settingsSchema.parse(environment);
  return {
    appId: settings.GITHUB_APP_ID,
    apiUrl: settings.GITHUB_API_URL.replace(/\/+$/, ''),
    privateKey: settings.GITHUB_PRIVATE_KEY
      ? { pem: settings.GITHUB_PRIVATE_KEY }
      : { secretId: settings.GITHUB_PRIVATE_KEY_SECRET! },
  };
}

/** GitHub answered other than 2xx, or did not answer. The message names the request, never a credential. */
export class GitHubApiError extends Error {
  override name = 'GitHubApiError';

  constructor(
    message: string,
    /** Undefined when GitHub could not be reached. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The app is not installed on the repository: nothing can be sent, and trying again will not help. */
export class GitHubAppNotInstalled extends Error {
  override name = 'GitHubAppNotInstalled';

  constructor(readonly repository: string) {
    super(`the GitHub App is not installed on ${repository}`);
  }
}

const installationSchema = z.object({ id: z.number().int() });
const accessTokenSchema = z.object({ token: z.string().min(1), expires_at: z.string() });
const issueCommentSchema = z.object({
  id: z.number().int(),
  body: z.string().nullish(),
  user: z.object({ type: z.string() }).nullish(),
});
const createdSchema = z.object({ id: z.number().int() });

/** `/repos/{owner}/{name}` with both segments encoded, for a repository that is exactly `owner/name`. */
function repositoryPath(repository: string): string {
  const segments = repository.split('/');
  if (!isGitHubRepository(repository) || segments.some((segment) => segment === '.' || segment === '..'))
    throw new ValidationError('repository', 'must be owner/name');
  return `/repos/${segments.map(encodeURIComponent).join('/')}`;
}

function issueNumber(pullRequest: number): number {
  if (!Number.isSafeInteger(pullRequest) || pullRequest < 1)
    throw new ValidationError('pull_request', 'must be a positive integer');
  return pullRequest;
}

/** GitHub accepts ISO 8601 times without fractions of a second. */
const isoSeconds = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function batchesOf<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  return batches;
}

async function readPrivateKey(source: GitHubAppSettings['privateKey']): Promise<KeyObject> {
  if ('pem' in source) {
    // A PEM in an environment file often has its line breaks written as `\n`.
    return createPrivateKey(source.pem.replaceAll('\\n', '\n'));
  }
  // Loaded only when a secret holds the key, so that local mode and tests never load the SDK client.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const secret = await new SecretsManagerClient({}).send(
    new GetSecretValueCommand({ SecretId: source.secretId }),
  );
  if (!secret.SecretString) throw new Error(`secret ${source.secretId} holds no SecretString`);
  return createPrivateKey(secret.SecretString);
}

export class GitHubApp {
  /** Read once for the container's life; dropped after a failure, so that the next call tries again. */
  #privateKey?: Promise<KeyObject>;
  readonly #installationOf = new Map<string, number>();
  readonly #tokenOf = new Map<number, { token: string; renewAt: number }>();

  constructor(readonly settings: GitHubAppSettings) {}

  #key(): Promise<KeyObject> {
    this.#privateKey ??= readPrivateKey(this.settings.privateKey).catch((error: unknown) => {
      this.#privateKey = undefined;
      throw error;
    });
    return this.#privateKey;
  }

  /**
   * A JWT that authenticates as the app: RS256, issued a minute in the past against clock drift and
   * expiring within GitHub's 10-minute limit.
   */
  async appJwt(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: now - 60, exp: now + 540, iss: this.settings.appId })}`;
    const signature = createSign('RSA-SHA256')
      .update(unsigned)
      .sign(await this.#key(), 'base64url');
    return `${unsigned}.${signature}`;
  }

  async #request(method: string, path: string, token: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.settings.apiUrl}${path}`, {
        method,
        headers: {
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          'user-agent': 'muster',
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new GitHubApiError(`GitHub unreachable for ${method} ${path}: ${(error as Error).message}`);
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      throw new GitHubApiError(`GitHub answered ${response.status} to ${method} ${path}`, response.status);
    }
    return response;
  }

  async #json<T>(
    schema: z.ZodType<T>,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<T> {
    const response = await this.#request(method, path, token, body);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success)
      throw new GitHubApiError(`GitHub's answer to ${method} ${path} has an unexpected shape`);
    return parsed.data;
  }

  async #installationId(repository: string): Promise<number> {
    const known = this.#installationOf.get(repository.toLowerCase());
    if (known !== undefined) return known;
    let installation: z.infer<typeof installationSchema>;
    try {
      installation = await this.#json(
        installationSchema,
        'GET',
        `${repositoryPath(repository)}/installation`,
        await this.appJwt(),
      );
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 404)
        throw new GitHubAppNotInstalled(repository);
      throw error;
    }
    this.#installationOf.set(repository.toLowerCase(), installation.id);
    return installation.id;
  }

  /** A token for the installation that covers the repository, reused until shortly before it expires. */
  async installationToken(repository: string): Promise<string> {
    const installationId = await this.#installationId(repository);
    const cached = this.#tokenOf.get(installationId);
    if (cached && Date.now() < cached.renewAt) return cached.token;
    let granted: z.infer<typeof accessTokenSchema>;
    try {
      granted = await this.#json(
        accessTokenSchema,
        'POST',
        `/app/installations/${installationId}/access_tokens`,
        await this.appJwt(),
      );
    } catch (error) {
      // The app may have been uninstalled and installed again under a new installation id.
      this.#installationOf.delete(repository.toLowerCase());
      throw error;
    }
    this.#tokenOf.set(installationId, {
      token: granted.token,
      renewAt: Date.parse(granted.expires_at) - tokenRenewalMs,
    });
    return granted.token;
  }

  /** The id of the app's comment on the issue that starts with the marker, if there is one. */
  async #findComment(issuePath: string, marker: string, token: string): Promise<number | undefined> {
    for (let page = 1; page <= maxCommentPages; page++) {
      const response = await this.#request(
        'GET',
        `${issuePath}/comments?per_page=${commentsPerPage}&page=${page}`,
        token,
      );
      const comments = z.array(issueCommentSchema).safeParse(await response.json());
      if (!comments.success)
        throw new GitHubApiError(`GitHub's comments of ${issuePath} have an unexpected shape`);
      // A human quoting Muster's comment carries the marker too, but is no bot and quotes after "> ".
      const own = comments.data.find(
        (comment) => comment.user?.type === 'Bot' && comment.body?.startsWith(marker) === true,
      );
      if (own) return own.id;
      // GitHub sends a Link header only when there are more pages than one, naming the next but on the last.
      if (!/rel="next"/.test(response.headers.get('link') ?? '')) return undefined;
    }
    return undefined;
  }

  /** Updates the app's comment that starts with the marker, or creates one: one comment per marker. */
  async upsertComment(
    repository: string,
    pullRequest: number,
    marker: string,
    body: string,
  ): Promise<{ id: number; created: boolean }> {
    const path = repositoryPath(repository);
    const issuePath = `${path}/issues/${issueNumber(pullRequest)}`;
    const token = await this.installationToken(repository);
    const existing = await this.#findComment(issuePath, marker, token);
    if (existing !== undefined) {
      await this.#json(createdSchema, 'PATCH', `${path}/issues/comments/${existing}`, token, { body });
      return { id: existing, created: false };
    }
    const created = await this.#json(createdSchema, 'POST', `${issuePath}/comments`, token, { body });
    return { id: created.id, created: true };
  }

  /**
   * A completed check run on the head commit. GitHub takes 50 annotations per request and appends those
   * of each update, so the rest follow in updates of 50.
   */
  async createCheckRun(
    repository: string,
    headSha: string,
    name: string,
    output: CheckRunOutput,
  ): Promise<{ id: number }> {
    const path = `${repositoryPath(repository)}/check-runs`;
    const token = await this.installationToken(repository);
    const [first = [], ...rest] = batchesOf(output.annotations, annotationsPerRequest);
    const { title, summary } = output;
    const checkRun = await this.#json(createdSchema, 'POST', path, token, {
      name,
      head_sha: headSha,
      status: 'completed',
      conclusion: output.conclusion,
      completed_at: isoSeconds(new Date()),
      output: { title, summary, annotations: first },
    });
    for (const annotations of rest) {
      await this.#json(createdSchema, 'PATCH', `${path}/${checkRun.id}`, token, {
        output: { title, summary, annotations },
      });
    }
    return { id: checkRun.id };
  }
}

let configured: { app: GitHubApp | undefined } | undefined;

/**
 * The GitHub App of this container, or undefined when none is configured. Settings are read at first
 * use rather than at import, so that a process can set them before it first gives feedback.
 */
export function gitHubApp(): GitHubApp | undefined {
  if (!configured) {
    const settings = gitHubAppSettings();
    configured = { app: settings && new GitHubApp(settings) };
  }
  return configured.app;
}

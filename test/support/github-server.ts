import { createVerify, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The few GitHub REST endpoints Muster's GitHub App uses, on loopback: installation lookup and access
 * tokens (authenticated by the app's JWT, verified against the key pair this server generates), issue
 * comments with pagination, and check runs with GitHub's 50-annotations-per-request limit
 * (authenticated by an installation token of the repository's installation).
 */

export interface RecordedRequest {
  method: string;
  /** Below the API's base path, query included. */
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface StoredComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
}

export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  completed_at: string;
  output: { title: string; summary: string; annotations: Record<string, unknown>[] };
}

export interface GitHubServerOptions {
  /** Repositories (`owner/name`) the app is installed on from the start. */
  installedOn?: string[];
  /** Where the API sits below the host: GitHub Enterprise Server's is `/api/v3`. */
  basePath?: string;
  /** How long an installation token lasts. */
  tokenLifetimeSeconds?: number;
}

const appBot = { login: 'muster[bot]', type: 'Bot' } as const;
const annotationLevels = new Set(['failure', 'warning', 'notice']);

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const repositoryKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function bearer(request: IncomingMessage): string {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  if (!match) throw new HttpAnswer(401, 'Requires authentication');
  return match[1]!;
}

/** Checks an app JWT as GitHub does: RS256 under the app's key, issued by the app, at most 10 minutes long. */
function verifyAppJwt(token: string, publicKey: KeyObject, appId: string): void {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new HttpAnswer(401, 'A JSON web token could not be decoded');
  const verified = createVerify('RSA-SHA256')
    .update(`${header}.${payload}`)
    .verify(publicKey, signature, 'base64url');
  if (!verified) throw new HttpAnswer(401, 'A JSON web token could not be decoded');
  const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    iat?: number;
    exp?: number;
    iss?: string | number;
  };
  const now = Math.floor(Date.now() / 1000);
  if (parsedHeader.alg !== 'RS256') throw new HttpAnswer(401, "'alg' must be RS256");
  if (String(claims.iss) !== appId) throw new HttpAnswer(401, "'Issuer' claim ('iss') must be the app id");
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= now)
    throw new HttpAnswer(401, "'Expiration time' claim ('exp') must be in the future");
  if (claims.exp - claims.iat > 600)
    throw new HttpAnswer(401, "'Expiration time' claim ('exp') is too far in the future");
}

export async function startGitHubServer(options: GitHubServerOptions = {}) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // GitHub hands out app keys as PKCS#1 PEM.
  const privateKeyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const appId = String(100_000 + Math.floor(Math.random() * 900_000));
  const basePath = options.basePath ?? '';
  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;

  const requests: RecordedRequest[] = [];
  const installations = new Map<string, number>();
  const tokens = new Map<string, { installationId: number; expiresAt: number }>();
  const commentsOf = new Map<string, StoredComment[]>();
  const checkRunsOf = new Map<string, StoredCheckRun[]>();
  let failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  let nextId = 1;

  const installOn = (repository: string): number => {
    const key = repository.toLowerCase();
    if (!installations.has(key)) installations.set(key, nextId++);
    return installations.get(key)!;
  };
  for (const repository of options.installedOn ?? []) installOn(repository);

  const issueComments = (repository: string, issue: number): StoredComment[] => {
    const key = `${repository.toLowerCase()}#${issue}`;
    if (!commentsOf.has(key)) commentsOf.set(key, []);
    return commentsOf.get(key)!;
  };

  const repositoryCheckRuns = (repository: string): StoredCheckRun[] => {
    const key = repository.toLowerCase();
    if (!checkRunsOf.has(key)) checkRunsOf.set(key, []);
    return checkRunsOf.get(key)!;
  };

  /** The installation token must be current and of the repository's installation. */
  const authorizeRepository = (request: IncomingMessage, repository: string): void => {
    const granted = tokens.get(bearer(request));
    if (!granted || granted.expiresAt <= Date.now()) throw new HttpAnswer(401, 'Bad credentials');
    if (installations.get(repository) !== granted.installationId)
      throw new HttpAnswer(403, 'Resource not accessible by integration');
  };

  const checkAnnotations = (annotations: unknown): Record<string, unknown>[] => {
    const list = (annotations ?? []) as Record<string, unknown>[];
    if (!Array.isArray(list)) throw new HttpAnswer(422, 'annotations must be an array');
    if (list.length > 50) throw new HttpAnswer(422, 'Only 50 annotations are allowed per request');
    for (const annotation of list) {
      const valid =
        typeof annotation.path === 'string' &&
        Number.isInteger(annotation.start_line) &&
        Number.isInteger(annotation.end_line) &&
        annotationLevels.has(String(annotation.annotation_level)) &&
        typeof annotation.message === 'string' &&
        Buffer.byteLength(annotation.message) <= 64 * 1024 &&
        (annotation.title === undefined || String(annotation.title).length <= 255);
      if (!valid) throw new HttpAnswer(422, 'Invalid annotation');
    }
    return list;
  };

  const checkOutput = (output: { title?: unknown; summary?: unknown } | undefined) => {
    if (typeof output?.title !== 'string' || typeof output.summary !== 'string')
      throw new HttpAnswer(422, 'output needs a title and a summary');
    if (output.summary.length > 65_535) throw new HttpAnswer(422, 'Only 65535 characters are allowed');
  };

  async function route(
    request: IncomingMessage,
    url: URL,
    body: unknown,
  ): Promise<[number, unknown, Record<string, string>?]> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    const payload = (body ?? {}) as Record<string, unknown>;

    const installation = /^\/repos\/([^/]+)\/([^/]+)\/installation$/.exec(path);
    if (installation && method === 'GET') {
      verifyAppJwt(bearer(request), publicKey, appId);
      const id = installations.get(repositoryKey(installation[1]!, installation[2]!));
      if (id === undefined) throw new HttpAnswer(404, 'Not Found');
      return [200, { id, app_id: Number(appId) }];
    }

    const accessTokens = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (accessTokens && method === 'POST') {
      verifyAppJwt(bearer(request), publicKey, appId);
      const installationId = Number(accessTokens[1]);
      if (![...installations.values()].includes(installationId)) throw new HttpAnswer(404, 'Not Found');
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresAt = Date.now() + tokenLifetimeSeconds * 1000;
      tokens.set(token, { installationId, expiresAt });
      return [201, { token, expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') }];
    }

    const repository = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path);
    if (!repository) throw new HttpAnswer(404, 'Not Found');
    const repositoryName = repositoryKey(repository[1]!, repository[2]!);
    const rest = repository[3]!;
    authorizeRepository(request, repositoryName);

    const issue = /^\/issues\/(\d+)\/comments$/.exec(rest);
    if (issue && method === 'GET') {
      const comments = issueComments(repositoryName, Number(issue[1]));
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), 100);
      const page = Math.max(Number(url.searchParams.get('page') ?? 1), 1);
      const lastPage = Math.max(Math.ceil(comments.length / perPage), 1);
      const pageUrl = (number: number) =>
        `<${url.origin}${basePath}${path}?per_page=${perPage}&page=${number}>`;
      const links = [
        page < lastPage ? `${pageUrl(page + 1)}; rel="next"` : undefined,
        page < lastPage ? `${pageUrl(lastPage)}; rel="last"` : undefined,
        page > 1 ? `${pageUrl(1)}; rel="first"` : undefined,
      ].filter((link) => link !== undefined);
      const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
      return [200, comments.slice((page - 1) * perPage, page * perPage), headers];
    }
    if (issue && method === 'POST') {
      if (typeof payload.body !== 'string' || payload.body.length > 65_536)
        throw new HttpAnswer(422, 'body is missing or too long');
      const comment: StoredComment = { id: nextId++, body: payload.body, user: { ...appBot } };
      issueComments(repositoryName, Number(issue[1])).push(comment);
      return [201, comment];
    }

    const commentEdit = /^\/issues\/comments\/(\d+)$/.exec(rest);
    if (commentEdit && method === 'PATCH') {
      if (typeof payload.body !== 'string' || payload.body.length > 65_536)
        throw new HttpAnswer(422, 'body is missing or too long');
      const prefix = `${repositoryName}#`;
      const comment = [...commentsOf.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .flatMap(([, comments]) => comments)
        .find((candidate) => candidate.id === Number(commentEdit[1]));
      if (!comment) throw new HttpAnswer(404, 'Not Found');
      comment.body = payload.body;
      return [200, comment];
    }

    if (rest === '/check-runs' && method === 'POST') {
      const output = payload.output as StoredCheckRun['output'] | undefined;
      checkOutput(output);
      const checkRun: StoredCheckRun = {
        id: nextId++,
        name: String(payload.name),
        head_sha: String(payload.head_sha),
        status: String(payload.status),
        conclusion: String(payload.conclusion),
        completed_at: String(payload.completed_at),
        output: {
          title: output!.title,
          summary: output!.summary,
          annotations: checkAnnotations(output!.annotations),
        },
      };
      repositoryCheckRuns(repositoryName).push(checkRun);
      return [201, checkRun];
    }

    const checkRunEdit = /^\/check-runs\/(\d+)$/.exec(rest);
    if (checkRunEdit && method === 'PATCH') {
      const checkRun = repositoryCheckRuns(repositoryName).find((run) => run.id === Number(checkRunEdit[1]));
      if (!checkRun) throw new HttpAnswer(404, 'Not Found');
      const output = payload.output as StoredCheckRun['output'] | undefined;
      if (output) {
        checkOutput(output);
        // GitHub appends each update's annotations to those the check run has.
        checkRun.output = {
          title: output.title,
          summary: output.summary,
          annotations: [...checkRun.output.annotations, ...checkAnnotations(output.annotations)],
        };
      }
      return [200, checkRun];
    }

    throw new HttpAnswer(404, 'Not Found');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(request);
    const path = url.pathname.startsWith(basePath) ? url.pathname.slice(basePath.length) : undefined;
    requests.push({
      method: request.method ?? 'GET',
      path: `${path ?? url.pathname}${url.search}`,
      headers: request.headers,
      body,
    });
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(json));
    };
    if (failures.remaining > 0) {
      failures.remaining--;
      answer(failures.status, { message: 'Server Error' });
      return;
    }
    if (path === undefined) {
      answer(404, { message: 'Not Found' });
      return;
    }
    try {
      const [status, json, headers] = await route(request, new URL(`${path}${url.search}`, url), body);
      answer(status, json, headers);
    } catch (error) {
      if (!(error instanceof HttpAnswer)) throw error;
      answer(error.status, { message: error.message });
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ message: error.message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    appId,
    privateKeyPem,
    requests,
    comments: (repository: string, issue: number): StoredComment[] => issueComments(repository, issue),
    checkRuns: (repository: string): StoredCheckRun[] => repositoryCheckRuns(repository),
    /** The next `count` requests, whatever they ask, are answered with `status`. */
    failNext(count: number, status = 500): void {
      failures = { remaining: count, status };
    },
    installOn,
    /** A comment by a person, as when someone quotes Muster's comment. */
    addHumanComment(repository: string, issue: number, body: string, login = 'octocat'): StoredComment {
      const comment: StoredComment = { id: nextId++, body, user: { login, type: 'User' } };
      issueComments(repository, issue).push(comment);
      return comment;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type GitHubServer = Awaited<ReturnType<typeof startGitHubServer>>;

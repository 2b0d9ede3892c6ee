import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorBody, json } from '../../functions/lib/http.ts';
import { ValidationError } from '../../shared/errors.ts';
import {
  apiThrottle,
  dashboardSecurityHeaders,
  type RouteDefinition,
  routes,
} from '../../shared/resources.ts';
import type { DashboardFiles } from '../dashboard/build.ts';
import { invoke } from './handlers.ts';

/** API Gateway refuses larger payloads itself; the functions enforce their own, smaller limit. */
const apiGatewayMaxPayloadBytes = 10 * 1024 * 1024;

/** API Gateway's quota on the request line and the headers together: longer requests never reach a function. */
const apiGatewayMaxRequestLineAndHeadersBytes = 10_240;

const textContentType = /^(text\/|application\/(json|[a-z0-9.+-]+\+json|xml|x-www-form-urlencoded)\b)/i;

interface MatchedRoute {
  route: RouteDefinition;
  pathParameters: Record<string, string>;
}

function matchRoute(method: string, path: string): MatchedRoute | undefined {
  const segments = path.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const template = route.path.split('/');
    if (template.length !== segments.length) continue;
    const pathParameters: Record<string, string> = {};
    const matches = template.every((part, index) => {
      const segment = segments[index]!;
      const parameter = /^\{(\w+)\}$/.exec(part);
      if (!parameter) return part === segment;
      if (segment === '') return false;
      // The path was checked to decode (urlOf), so no segment of it fails to.
      pathParameters[parameter[1]!] = decodeURIComponent(segment);
      return true;
    });
    if (matches) return { route, pathParameters };
  }
  return undefined;
}

/** A token bucket with API Gateway's stage throttling settings. */
class Throttle {
  private tokens: number = apiThrottle.burstLimit;
  private refilledAt = Date.now();

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(
      apiThrottle.burstLimit,
      this.tokens + ((now - this.refilledAt) / 1000) * apiThrottle.rateLimit,
    );
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The request body, or undefined when it is larger than API Gateway accepts (read to the end either way). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= apiGatewayMaxPayloadBytes) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > apiGatewayMaxPayloadBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/**
 * The request's URL, or a ValidationError naming `path` for a target that is no URL or whose path has a
 * malformed percent-escape (`%ZZ`, or bytes that are no UTF-8: `%E0%A4%A`), answered before routing.
 * API Gateway decodes path parameters before it calls a function, and the functions refuse a parameter
 * that is no name, however it arrives (400 naming it); here the path cannot even be decoded.
 */
function urlOf(request: IncomingMessage): URL | ValidationError {
  let url: URL;
  try {
    url = new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return new ValidationError('path', 'is not a valid request target');
  }
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return new ValidationError(
      'path',
      'has a malformed percent-escape: each % must begin the UTF-8 bytes of a character, as in %C3%A9',
    );
  }
  return url;
}

/**
 * The request's headers as payload format 2.0 carries them: names in lower case, and the values of a
 * header sent more than once joined with commas, as API Gateway joins them. Node's own `headers` keeps
 * only the first of some (Authorization among them), which would let a request with two credentials
 * through on the first alone.
 */
function headersOf(request: IncomingMessage): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    if (values === undefined) continue;
    // Payload format 2.0 moves the Cookie headers into `cookies`, one `name=value` each.
    if (name === 'cookie')
      cookies = values
        .flatMap((value) => value.split(';'))
        .map((cookie) => cookie.trim())
        .filter((cookie) => cookie !== '');
    else headers[name] = values.join(',');
  }
  return { headers, cookies };
}

function toEvent(
  request: IncomingMessage,
  url: URL,
  body: Buffer,
  matched: MatchedRoute,
): APIGatewayProxyEventV2 {
  const { headers, cookies } = headersOf(request);
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || contentType === '' || textContentType.test(contentType);
  const now = new Date();
  const routeKey = `${matched.route.method} ${matched.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: Object.keys(matched.pathParameters).length > 0 ? matched.pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function send(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ?? '';
  const headers: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
  // As API Gateway does, each of `cookies` becomes a Set-Cookie header of its own.
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

const apiGatewayError = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message }),
});

/** A file of the dashboard's build, as CloudFront serves it from the site's bucket in AWS. */
function dashboardFile(
  files: DashboardFiles,
  method: string,
  path: string,
): APIGatewayProxyStructuredResultV2 | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const file = files.get(path === '/' ? '/index.html' : path);
  if (!file) return undefined;
  return {
    statusCode: 200,
    headers: {
      ...dashboardSecurityHeaders,
      'content-type': file.contentType,
      'cache-control': file.cacheControl,
    },
    body: method === 'HEAD' ? '' : file.body.toString('base64'),
    isBase64Encoded: true,
  };
}

export interface GatewayOptions {
  /** Local-only control endpoints, by `METHOD /path`. */
  extraRoutes?: Record<string, (event: unknown) => Promise<unknown>>;
  /** The dashboard's build, served at `/` beside the API as one CloudFront distribution serves both. */
  dashboard?: DashboardFiles;
}

export interface Gateway {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves the HTTP API on loopback the way API Gateway does: it matches the routes of the shared
 * definition, throttles, turns each request into a payload format 2.0 event and the function's result
 * into the response. The dashboard's files are served beside it.
 */
export async function startGateway(port: number, options: GatewayOptions = {}): Promise<Gateway> {
  const extraRoutes = options.extraRoutes ?? {};
  const throttle = new Throttle();
  const server = createServer(
    { maxHeaderSize: apiGatewayMaxRequestLineAndHeadersBytes },
    async (request, response) => {
      try {
        const url = urlOf(request);
        if (url instanceof ValidationError) {
          send(response, json(400, errorBody(url)));
          return;
        }
        const method = request.method ?? 'GET';
        const control = extraRoutes[`${method} ${url.pathname}`];
        if (control) {
          const text = (await readBody(request))?.toString('utf8') ?? '';
          let event: unknown;
          try {
            event = text ? JSON.parse(text) : {};
          } catch {
            send(response, { statusCode: 400, body: JSON.stringify({ message: 'the body is not JSON' }) });
            return;
          }
          send(response, { statusCode: 200, body: JSON.stringify(await control(event)) });
          return;
        }
        const matched = matchRoute(method, url.pathname);
        const file =
          matched || !options.dashboard ? undefined : dashboardFile(options.dashboard, method, url.pathname);
        if (file) {
          send(response, file);
          return;
        }
        if (!matched) {
          send(response, apiGatewayError(404, 'Not Found'));
          return;
        }
        if (!throttle.take()) {
          send(response, apiGatewayError(429, 'Too Many Requests'));
          return;
        }
        const body = await readBody(request);
        if (!body) {
          send(response, apiGatewayError(413, 'Request Entity Too Large'));
          return;
        }
        const result = await invoke<APIGatewayProxyStructuredResultV2>(
          matched.route.function,
          toEvent(request, url, body, matched),
        );
        send(response, result);
      } catch (error) {
        console.error('local gateway: function failed', error);
        // A response already under way (a client gone mid-answer) cannot become a 500: it is cut short.
        if (response.headersSent) response.destroy();
        else send(response, apiGatewayError(500, 'Internal Server Error'));
      }
    },
  );
  // A request that is no HTTP, or whose line and headers are too long, is answered as API Gateway
  // answers what it refuses itself, in JSON, rather than with Node's bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify({ message: STATUS_CODES[status] });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Dependency-Track's JSON BOM upload, `PUT /api/v1/bom`, on loopback, for a server with no projects
 * yet: it checks the API key (X-Api-Key), the content type and the BomSubmitRequest as
 * Dependency-Track does (the BOM in standard base64; a project named and versioned, which only
 * autoCreate makes exist), records what it accepted with the BOM decoded, and answers the token
 * Dependency-Track tracks the upload's processing under.
 */

export interface AcceptedBom {
  headers: IncomingHttpHeaders;
  projectName: string;
  projectVersion: string;
  autoCreate: true;
  /** The `bom` field decoded: the document's bytes as the client sent them. */
  bom: Buffer;
  token: string;
}

/** Dependency-Track's own check of the `bom` field (BomSubmitRequest). */
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response
    .writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' })
    .end(text);
}

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

export async function startDependencyTrackServer(apiKey: string) {
  const accepted: AcceptedBom[] = [];
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    if (request.method !== 'PUT' || request.url !== '/api/v1/bom') return answer(response, 404);
    // Its authentication filter answers an unknown key before anything else, with no body.
    if (request.headers['x-api-key'] !== apiKey) return answer(response, 401);
    if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return answer(response, 415);
    let submitted: Record<string, unknown>;
    try {
      submitted = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return answer(response, 400, 'The request body is not JSON');
    }
    if (typeof submitted.bom !== 'string' || !base64.test(submitted.bom))
      return answer(response, 400, [{ message: 'The BOM must be Base64 encoded', path: 'bom' }]);
    const { projectName, projectVersion, autoCreate } = submitted;
    if (!nonBlank(projectName) || !nonBlank(projectVersion) || autoCreate !== true)
      return answer(response, 404, 'The project could not be found.');
    const token = randomUUID();
    accepted.push({
      headers: request.headers,
      projectName,
      projectVersion,
      autoCreate,
      bom: Buffer.from(submitted.bom, 'base64'),
      token,
    });
    answer(response, 200, { token });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

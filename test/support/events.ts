import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context, SQSEvent } from 'aws-lambda';
import type { WorkKind } from '../../shared/resources.ts';

export interface HttpRequest {
  method?: string;
  path?: string;
  key?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  query?: Record<string, string>;
}

/** An API Gateway payload format 2.0 event, as the HTTP API sends it to a function. */
export function httpEvent({
  method = 'GET',
  path = '/',
  key,
  body,
  rawBody,
  contentType = 'application/json',
  query,
}: HttpRequest): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  const text = rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  if (text !== undefined) headers['content-type'] = contentType;
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: text,
    isBase64Encoded: false,
  };
}

export function sqsEvent(bodies: unknown[]): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body: typeof body === 'string' ? body : JSON.stringify(body),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'test',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * Messages of one kind as the work queue delivers them: each body says its kind, unless it already
 * does or is not a JSON object (a test of what the consumer makes of a broken body).
 */
export function workEvent(kind: WorkKind, bodies: unknown[]): SQSEvent {
  return sqsEvent(
    bodies.map((body) => {
      const parsed = typeof body === 'string' ? parseOrUndefined(body) : body;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || 'kind' in parsed)
        return body;
      return { kind, ...parsed };
    }),
  );
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const context = { functionName: 'test', awsRequestId: 'test' } as Context;

/** The JSON body of a handler's result, loosely typed so that assertions can reach into it. */
// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape, which is what they check
export function bodyOf(result: { body?: string }): any {
  return JSON.parse(result.body ?? 'null');
}

import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  MusterError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors.ts';
import { maxBodyBytes } from '../../shared/resources.ts';
import { logger } from './logger.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

const baseHeaders = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { ...baseHeaders, ...headers }, body: JSON.stringify(body) };
}

export function errorBody(error: MusterError): { error: Record<string, string> } {
  const body: Record<string, string> = { code: error.code, message: error.message };
  if (error instanceof ValidationError) {
    body.field = error.field;
    body.reason = error.reason;
  }
  return { error: body };
}

/**
 * Wraps a route: known errors become their status with a JSON error body; anything else is logged
 * with its stack and answered 500 with no detail, so internals never reach a client.
 */
export function httpRoute(route: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult>().handler(async (event, context) => {
    try {
      return await route(event, context);
    } catch (error) {
      if (error instanceof MusterError) return json(error.status, errorBody(error), error.headers);
      logger.error('request failed', { error: error as Error, route: event.routeKey });
      return json(500, { error: { code: 'internal', message: 'internal error' } });
    }
  });
}

export function header(event: HttpEvent, name: string): string | undefined {
  return event.headers?.[name.toLowerCase()];
}

/** The request's JSON body: 413 when larger than the limit, 415 when not JSON, 400 when malformed. */
export function jsonBody(event: HttpEvent): unknown {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
  if (bytes > maxBodyBytes) throw new PayloadTooLargeError(`the body is larger than ${maxBodyBytes} bytes`);
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('the body must be JSON (Content-Type: application/json)');
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.trim() === '') throw new ValidationError('body', 'is required');
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('body', 'is not valid JSON');
  }
}

/** Query parameters of a request; an empty object when there are none. */
export function queryParameters(event: HttpEvent): Record<string, string | undefined> {
  return event.queryStringParameters ?? {};
}

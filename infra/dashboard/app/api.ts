import type { Session } from './api-types.ts';
import { type Query, withQuery } from './query.ts';

/**
 * The API client: same-origin requests that carry the session cookie, and on every change the CSRF
 * token of the session, which lives in this module's memory only (never in storage or a URL). A 401
 * from any call ends the session in the page: the app shows the sign-in form again.
 */

/** An error answer of the API, with its words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Called when any call answers 401 (the session ended, or the key was revoked). */
export function whenUnauthorized(callback: () => void): void {
  onUnauthorized = callback;
}

interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
  /** Whether a 401 ends the session in the page (not for signing in, whose 401 is a wrong key). */
  signOutOn401?: boolean;
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; field?: string; reason?: string } } = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON: API Gateway's own answers, or a proxy's.
  }
  const error = body.error ?? {};
  return new ApiError(
    response.status,
    error.code ?? `http_${response.status}`,
    error.message ?? `Muster answered ${response.status} ${response.statusText}`.trim(),
    error.field,
    error.reason,
  );
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Muster could not be reached. Check your connection and try again.');
  }
  if (response.status === 401 && options.signOutOn401 !== false) {
    csrfToken = undefined;
    onUnauthorized?.();
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> =>
  request<T>('GET', path, { query, signal });

/** The session of the cookie, or undefined when there is none. */
export async function currentSession(): Promise<Session | undefined> {
  try {
    const session = await request<Session>('GET', '/v1/session', { signOutOn401: false });
    csrfToken = session.csrf_token;
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export async function signIn(key: string): Promise<Session> {
  const session = await request<Session>('POST', '/v1/session', { body: { key }, signOutOn401: false });
  csrfToken = session.csrf_token;
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/v1/session', { signOutOn401: false });
  } finally {
    csrfToken = undefined;
  }
}

/** The words to show for a failed call. */
export function errorText(error: unknown): string {
  // A 400's message already names the field and says why ("expires_at: must be in the future").
  return error instanceof Error ? error.message : String(error);
}

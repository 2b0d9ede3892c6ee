import type { Scope } from '../../shared/api-keys.ts';
import { keyFor } from './local-services.ts';

/**
 * Who calls the HTTP API in a test through the local gateway: a key of one scope, a dashboard session
 * signed in with a read or admin key (its cookie and CSRF token), or nobody.
 */
export const credentials = [
  'ingest',
  'ci',
  'read',
  'admin',
  'session-read',
  'session-admin',
  'none',
] as const;
export type Credential = (typeof credentials)[number];

export interface Caller {
  org: string;
  credential: Credential;
  key?: string;
  session?: { cookie: string; csrf: string };
}

export interface Call {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

// biome-ignore lint/suspicious/noExplicitAny: tests assert on the shape, which is what they check
export const jsonOf = (answer: Answer): any => JSON.parse(answer.text);

/** Sends a call through the gateway at `url` as the caller: its key as a bearer, or its session's cookie and CSRF token. */
export async function send(url: string, caller: Caller, call: Call): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (caller.session) {
    headers.cookie = caller.session.cookie;
    headers['x-csrf-token'] = caller.session.csrf;
  } else if (caller.key) {
    headers.authorization = `Bearer ${caller.key}`;
  }
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const query = call.query ? `?${new URLSearchParams(call.query)}` : '';
  const response = await fetch(`${url}${call.path}${query}`, {
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Signs in to the dashboard with a key: the session's cookie (as a Cookie header) and its CSRF token. */
export async function signIn(url: string, key: string): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key }),
  });
  if (response.status !== 201) throw new Error(`sign-in answered ${response.status}`);
  const cookie = response.headers.getSetCookie()[0]!.split(';')[0]!;
  return { cookie, csrf: ((await response.json()) as { csrf_token: string }).csrf_token };
}

const sessionScope: Partial<Record<Credential, Scope>> = {
  'session-read': 'read',
  'session-admin': 'admin',
};

/** A new caller of the organization with the credential: a new key each time, so that no two share a rate. */
export async function callerOf(url: string, org: string, credential: Credential): Promise<Caller> {
  if (credential === 'none') return { org, credential };
  const scope = sessionScope[credential];
  if (scope === undefined) return { org, credential, key: await keyFor(org, credential as Scope) };
  const key = await keyFor(org, scope);
  return { org, credential, key, session: await signIn(url, key) };
}

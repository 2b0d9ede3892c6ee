import * as z from 'zod';
import { UnauthorizedError } from '../shared/errors.ts';
import { clearedSessionCookie, type SessionRecord, sessionCookie, sessionPolicy } from '../shared/session.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { config } from './lib/config.ts';
import { type HttpEvent, type HttpResult, httpRoute, json, jsonBody } from './lib/http.ts';
import { deleteSession } from './stores/session-store.ts';
import { checkCsrf, sessionOf } from './use-cases/authenticate.ts';
import { signIn } from './use-cases/sign-in.ts';

const signInSchema = z.object({
  key: z.string().min(1, 'is required').max(256, 'is too long'),
});

/** What the dashboard learns of its session: never the token itself, which only the cookie holds. */
const sessionBody = (session: SessionRecord) => ({
  org: session.org,
  scope: session.scope,
  csrf_token: session.csrf_token,
  idle_timeout_seconds: sessionPolicy.idleSeconds,
});

async function signOut(event: HttpEvent): Promise<HttpResult> {
  // Without a live session there is nothing to end; a failure to read it is still a failure.
  const { session } =
    (await sessionOf(event, new Date()).catch((error: unknown) => {
      if (error instanceof UnauthorizedError) return undefined;
      throw error;
    })) ?? {};
  if (session) {
    checkCsrf(event, session);
    await deleteSession(session.hash);
  }
  return { statusCode: 204, cookies: [clearedSessionCookie(config.SESSION_COOKIE_SECURE)] };
}

/** POST /v1/session signs in with a key, GET /v1/session tells who is signed in, DELETE signs out. */
export const handler = httpRoute(async (event) => {
  switch (event.requestContext.http.method) {
    case 'POST': {
      const { key } = parseOrThrow(signInSchema, jsonBody(event));
      const { token, record } = await signIn(key, new Date());
      return {
        ...json(201, sessionBody(record)),
        cookies: [sessionCookie(token, config.SESSION_COOKIE_SECURE)],
      };
    }
    case 'DELETE':
      return signOut(event);
    default:
      return json(200, sessionBody((await sessionOf(event, new Date())).session));
  }
});

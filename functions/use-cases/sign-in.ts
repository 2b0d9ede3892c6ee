import { hashApiKey, knownKeyFormat } from '../../shared/api-keys.ts';
import { ForbiddenError, UnauthorizedError } from '../../shared/errors.ts';
import { type NewSession, newSession, sessionScopes } from '../../shared/session.ts';
import { readApiKey } from '../stores/api-key-store.ts';
import { createSession } from '../stores/session-store.ts';
import { admitKey } from './authenticate.ts';

/** Exchanges a read or admin key for a new dashboard session (401 unknown or revoked, 403 other scopes). */
export async function signIn(key: string, now: Date): Promise<NewSession> {
  const record = await readApiKey(hashApiKey(knownKeyFormat(key)));
  if (!record || record.revoked_at) throw new UnauthorizedError('unknown API key');
  if (!sessionScopes.includes(record.scope)) {
    throw new ForbiddenError(`the dashboard needs a read or admin key; this key has scope ${record.scope}`);
  }
  await admitKey(record);
  const session = newSession(record, now);
  await createSession(session.record);
  return session;
}

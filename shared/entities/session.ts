import { type SessionRecord, sessionExpiresAt } from '../session.ts';
import type { TableKey } from './key-parts.ts';

/**
 * A dashboard session, found by the hash of its token (a strongly consistent GetItem per request, so
 * that sign-out ends it at once) and deleted by TTL once idle or too old (shared/session.ts).
 */
export interface SessionItem extends TableKey, SessionRecord {
  expires_at: number;
}

export const sessionKey = (hash: string): TableKey => ({ pk: `SESSION#${hash}`, sk: 'SESSION' });

export function sessionItem(record: SessionRecord): SessionItem {
  return { ...sessionKey(record.hash), ...record, expires_at: sessionExpiresAt(record) };
}

import { encodeKeyPart, type TableKey } from './key-parts.ts';

/**
 * The head of one running instance: small on purpose (well under 1 KB), because it is the item that an
 * unchanged heartbeat updates, and DynamoDB charges an update by the size of the whole item.
 * Its dependencies live in separate items (entities/dependency.ts), written only when they change.
 */
export interface InstanceItem extends TableKey {
  app: string;
  environment: string;
  instance: string;
  /** sent_at of the newest heartbeat applied: an older one is ignored. */
  sent_at?: string;
  last_seen?: string;
  inventory_hash?: string;
  dependency_count?: number;
  runtime?: { elixir?: string; otp?: string; erts?: string };
  release?: { name: string; version: string };
  git_sha?: string;
  host?: string;
  /** When the instance said it was shutting down (a heartbeat with `stopping`): it is live no more. */
  stopped_at?: string;
  /** Epoch seconds after which DynamoDB deletes the head (TTL): the instance has left the inventory. */
  expires_at?: number;
  /** The TTL that every dependency item of the instance carries (see instance-status.ts). */
  dependencies_expire_at?: number;
  /** While a changed inventory is being written, the message that holds the instance and until when. */
  lease_owner?: string;
  lease_until?: number;
}

export const instanceSortKeyPrefix = 'INSTANCE#';

export const instanceKey = (org: string, app: string, environment: string, instance: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `${instanceSortKeyPrefix}${app}#${environment}#${encodeKeyPart(instance)}`,
});

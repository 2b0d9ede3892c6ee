import type { ApiKeyRecord } from '../api-keys.ts';
import type { TableKey } from './key-parts.ts';

/**
 * An API key, found by the hash of the key (GetItem on every authenticated request) and listed per
 * organization through gsi1 `ORG#<org>#KEYS`, newest last.
 */
export interface ApiKeyItem extends TableKey, ApiKeyRecord {
  gsi1pk: string;
  gsi1sk: string;
}

export const apiKeyKey = (hash: string): TableKey => ({ pk: `KEY#${hash}`, sk: 'KEY' });

export const organizationKeysPartition = (org: string): string => `ORG#${org}#KEYS`;

export function apiKeyItem(record: ApiKeyRecord): ApiKeyItem {
  return {
    ...apiKeyKey(record.hash),
    gsi1pk: organizationKeysPartition(record.org),
    gsi1sk: `${record.created_at}#${record.prefix}`,
    ...record,
  };
}

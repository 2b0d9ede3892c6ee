import type { SourceState } from '../advisory-sources.ts';
import type { TableKey } from './key-parts.ts';

/**
 * What Muster keeps of each advisory source, beside the advisories in the `ADVISORIES` partition:
 *
 * - `ADVISORIES` / `SOURCE#<source>`: its sync state (last success, last error, records), read by
 *   `GET /v1/advisories/sources` and at the start of each sync;
 * - `ADVISORIES` / `MANIFEST#<source>#<page>`: the version of each record imported from it, up to
 *   `manifestPageSize` records a page, read only when the source's listing changed;
 * - `ADVISORIES` / `SYNC-RUN`: held by a running sync, so that a run that outlasts the schedule's
 *   interval is never joined by the next.
 */
export interface SourceStateItem extends TableKey, SourceState {
  /** The listing's ETag and Last-Modified, sent back to ask whether it changed. */
  validators?: { etag?: string; last_modified?: string };
  /** The advisoryFormat of the records imported; another format makes the next sync a full one. */
  format: number;
}

export interface ManifestPageItem extends TableKey {
  versions: Record<string, string>;
}

export const advisoryPartition = 'ADVISORIES';

export const sourceStatePrefix = 'SOURCE#';

export const sourceStateKey = (source: string): TableKey => ({
  pk: advisoryPartition,
  sk: `${sourceStatePrefix}${source}`,
});

export const manifestPrefix = (source: string): string => `MANIFEST#${source}#`;

export const manifestPageKey = (source: string, page: number): TableKey => ({
  pk: advisoryPartition,
  sk: `${manifestPrefix(source)}${String(page).padStart(4, '0')}`,
});

/** About 60 bytes a record: a page stays near 60 KB, far below DynamoDB's 400 KB per item. */
export const manifestPageSize = 1000;

export const syncRunKey: TableKey = { pk: advisoryPartition, sk: 'SYNC-RUN' };

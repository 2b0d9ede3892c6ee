import type { AppsQuery } from '../../shared/apps-query.ts';
import { type Attention, attentionOf } from '../../shared/attention.ts';
import type { AppEnvironmentItem } from '../../shared/entities/app-environment.ts';
import { ValidationError } from '../../shared/errors.ts';
import { type AppEnvironmentSummary, emptySeverityCounts, summaryRow } from '../../shared/fleet-summary.ts';
import { encodeCursor, rowSelection } from '../../shared/lookup.ts';
import { lifecycle } from '../lib/config.ts';
import { readAppListPage } from '../stores/app-environment-store.ts';
import { readRankedPage, runsOf } from '../stores/ranked-page.ts';

/**
 * A page of the organization's app-environments, most exposed first: one Query per run of consecutive
 * exposure ranks that the filters allow (one without filters) on the apps list (gsi1), from the
 * cursor's position, each row read whole from the app-environment's record (its summary and scan
 * counts), so that a page costs its own rows and nothing else.
 */
export async function listApps(
  org: string,
  query: AppsQuery,
  now: Date,
): Promise<{ apps: AppsRow[]; next_cursor: string | null }> {
  const { ranks, environment } = rowSelection(query.filters);
  if (query.cursor !== undefined && !ranks.includes(query.cursor.rank)) {
    throw new ValidationError('cursor', 'belongs to a list with other filters');
  }
  const { items, next } = await readRankedPage<AppEnvironmentItem>(
    runsOf(ranks),
    query.cursor,
    query.limit,
    (run, limit, startKey) => readAppListPage(org, run, limit, startKey),
    (item) => environment === undefined || item.environment === environment,
  );
  return { apps: items.map((item) => row(item, now)), next_cursor: next ? encodeCursor(next) : null };
}

/** A row of the apps list: the app-environment's summary, and what in it needs action now. */
export type AppsRow = AppEnvironmentSummary & { attention: Attention };

function row(item: AppEnvironmentItem, now: Date): AppsRow {
  const summary = summaryRow(item, item.summary!, item.scan_counts ?? emptySeverityCounts());
  return { ...summary, attention: attentionOf(summary, now, lifecycle.staleAfterSeconds) };
}

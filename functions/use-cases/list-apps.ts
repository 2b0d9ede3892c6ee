import type { AppsQuery } from '../../shared/apps-query.ts';
import type { AppEnvironmentItem } from '../../shared/entities/app-environment.ts';
import { ValidationError } from '../../shared/errors.ts';
import { type AppEnvironmentSummary, emptySeverityCounts, summaryRow } from '../../shared/fleet-summary.ts';
import { encodeCursor, rowSelection } from '../../shared/lookup.ts';
import { readAppListPage } from '../stores/app-environment-store.ts';

/** Consecutive ranks read as one: with no filter, the whole list is one range of gsi1. */
function runsOf(ranks: number[]): { first: number; last: number }[] {
  const runs: { first: number; last: number }[] = [];
  for (const rank of ranks) {
    const last = runs.at(-1);
    if (last && last.last === rank - 1) last.last = rank;
    else runs.push({ first: rank, last: rank });
  }
  return runs;
}

const rankOf = (key: Record<string, unknown>): number => Number(String(key.gsi1sk).slice(0, 1));

/**
 * A page of the organization's app-environments, most exposed first: one Query per run of consecutive
 * exposure ranks that the filters allow (one without filters) on the apps list (gsi1), from the
 * cursor's position, each row read whole from the app-environment's record (its summary and scan
 * counts), so that a page costs its own rows and nothing else.
 */
export async function listApps(
  org: string,
  query: AppsQuery,
): Promise<{ apps: AppEnvironmentSummary[]; next_cursor: string | null }> {
  const { ranks, environment } = rowSelection(query.filters);
  const start = query.cursor;
  if (start !== undefined && !ranks.includes(start.rank)) {
    throw new ValidationError('cursor', 'belongs to a list with other filters');
  }
  const rows: AppEnvironmentItem[] = [];
  const runs = runsOf(ranks).filter((run) => start === undefined || run.last >= start.rank);
  for (const [index, run] of runs.entries()) {
    let key: Record<string, unknown> | undefined =
      start !== undefined && start.rank >= run.first ? start.key : undefined;
    const from = start !== undefined && start.key === undefined ? Math.max(run.first, start.rank) : run.first;
    do {
      const page = await readAppListPage(
        org,
        { first: from, last: run.last },
        query.limit - rows.length,
        key,
      );
      rows.push(
        ...page.items.filter((item) => environment === undefined || item.environment === environment),
      );
      key = page.lastKey;
    } while (key !== undefined && rows.length < query.limit);
    if (rows.length === query.limit) {
      const next =
        key !== undefined
          ? { rank: rankOf(key), key: key as Record<string, string> }
          : runs[index + 1] !== undefined
            ? { rank: runs[index + 1]!.first }
            : undefined;
      return { apps: rows.map(row), next_cursor: next ? encodeCursor(next) : null };
    }
  }
  return { apps: rows.map(row), next_cursor: null };
}

const row = (item: AppEnvironmentItem): AppEnvironmentSummary =>
  summaryRow(item, item.summary!, item.scan_counts ?? emptySeverityCounts());

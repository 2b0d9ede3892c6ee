import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '../../shared/errors.ts';
import type { LookupCursor } from '../../shared/lookup.ts';
import { documents } from '../lib/dynamodb.ts';

/** Consecutive exposure ranks that one Query can read in order (their sort keys start with the rank). */
export interface RankRun {
  first: number;
  last: number;
}

export type ReadRun<T> = (
  run: RankRun,
  limit: number,
  startKey: Record<string, unknown> | undefined,
) => Promise<{ items: T[]; lastKey: Record<string, unknown> | undefined }>;

/** Runs of consecutive ranks, as one Query can read each. */
export function runsOf(ranks: number[]): RankRun[] {
  const runs: RankRun[] = [];
  for (const rank of ranks) {
    const last = runs.at(-1);
    if (last && last.last === rank - 1) last.last = rank;
    else runs.push({ first: rank, last: rank });
  }
  return runs;
}

/** The rank of an index key whose sort key starts with it (`<rank>#…`). */
const rankOf = (key: Record<string, unknown>): number => Number(String(key.gsi1sk).slice(0, 1));

/**
 * One page in exposure order: the runs are read one after another from the cursor's position, each
 * Query asking for no more items than the page still needs, until the page is full. The cursor of the
 * next page is the last key read (or the next run's first rank), so a page costs what it reads.
 */
export async function readRankedPage<T>(
  runs: RankRun[],
  cursor: LookupCursor | undefined,
  limit: number,
  readRun: ReadRun<T>,
  keep: (item: T) => boolean = () => true,
): Promise<{ items: T[]; next: LookupCursor | undefined }> {
  const items: T[] = [];
  const remaining = runs.filter((run) => cursor === undefined || run.last >= cursor.rank);
  for (const [index, run] of remaining.entries()) {
    const resumes = cursor !== undefined && cursor.rank >= run.first;
    let key: Record<string, unknown> | undefined = resumes ? cursor.key : undefined;
    const from = resumes && cursor.key === undefined ? { ...run, first: cursor.rank } : run;
    do {
      const page = await readRun(from, limit - items.length, key);
      items.push(...page.items.filter(keep));
      key = page.lastKey;
    } while (key !== undefined && items.length < limit);
    if (items.length === limit) {
      const following = remaining[index + 1];
      const next =
        key !== undefined
          ? { rank: rankOf(key), key: key as Record<string, string> }
          : following
            ? { rank: following.first }
            : undefined;
      return { items, next };
    }
  }
  return { items, next: undefined };
}

const notACursor = () => new ValidationError('cursor', 'is not a cursor this API returned');

/**
 * One page of a Query on gsi1 (`gsi1pk = :pk AND ...`) from the key of a client's cursor. The key
 * comes back from the client as it likes: one of another partition (another organization's list, or
 * another package's) is refused before any read, and one that DynamoDB refuses (outside the query's
 * range, or not a key of the index) is the client's mistake too; both are answered as any cursor
 * this API never returned, so that a cursor tells nothing of whose it was.
 */
export async function queryPage<T>(
  input: QueryCommandInput,
  limit: number,
  startKey: Record<string, unknown> | undefined,
): Promise<{ items: T[]; lastKey: Record<string, unknown> | undefined }> {
  if (startKey !== undefined && startKey.gsi1pk !== input.ExpressionAttributeValues?.[':pk'])
    throw notACursor();
  const page = await documents
    .send(new QueryCommand({ ...input, Limit: limit, ExclusiveStartKey: startKey }))
    .catch((error: Error) => {
      throw startKey !== undefined && error.name === 'ValidationException' ? notACursor() : error;
    });
  return { items: (page.Items ?? []) as T[], lastKey: page.LastEvaluatedKey };
}

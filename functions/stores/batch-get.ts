import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import { documents } from '../lib/dynamodb.ts';
import { eachLimited } from '../lib/each-limited.ts';

const maxBatch = 100;
const maxAttempts = 8;
const concurrentBatches = 8;

async function getBatch<T extends TableKey>(
  tableName: string,
  keys: TableKey[],
  items: Map<string, T>,
  keyOf: (item: T) => string,
): Promise<void> {
  let pending = keys;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > maxAttempts) {
      throw new Error(`${pending.length} reads still unprocessed after ${maxAttempts} attempts`);
    }
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    const result = await documents.send(
      new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
    );
    for (const item of (result.Responses?.[tableName] ?? []) as T[]) items.set(keyOf(item), item);
    pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as TableKey[];
  }
}

/**
 * Reads items by key (eventually consistent) in batches of 100, eight batches at a time, retrying
 * unprocessed keys; the items come back keyed by their sk, or by `keyOf`.
 */
export async function batchGet<T extends TableKey>(
  tableName: string,
  keys: TableKey[],
  keyOf: (item: T) => string = (item) => item.sk,
): Promise<Map<string, T>> {
  const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const batches: TableKey[][] = [];
  for (let start = 0; start < unique.length; start += maxBatch)
    batches.push(unique.slice(start, start + maxBatch));
  const items = new Map<string, T>();
  await eachLimited(batches, concurrentBatches, (batch) => getBatch(tableName, batch, items, keyOf));
  return items;
}

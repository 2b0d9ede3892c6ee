import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import { documents } from '../lib/dynamodb.ts';

const maxBatch = 100;
const maxAttempts = 8;

/** Reads items by key in batches of 100 (eventually consistent), retrying unprocessed keys; keyed by sk. */
export async function batchGet<T extends TableKey>(
  tableName: string,
  keys: TableKey[],
): Promise<Map<string, T>> {
  const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
  const items = new Map<string, T>();
  for (let start = 0; start < unique.length; start += maxBatch) {
    let pending: TableKey[] = unique.slice(start, start + maxBatch);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts)
        throw new Error(`${pending.length} reads still unprocessed after ${maxAttempts} attempts`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const result = await documents.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
      );
      for (const item of (result.Responses?.[tableName] ?? []) as T[]) items.set(item.sk, item);
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as TableKey[];
    }
  }
  return items;
}

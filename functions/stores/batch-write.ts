import { BatchWriteCommand, type BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../lib/dynamodb.ts';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const maxBatch = 25;
const maxAttempts = 8;

/** Writes every request in batches of 25, retrying unprocessed items with backoff until all are done. */
export async function batchWrite(tableName: string, requests: WriteRequest[]): Promise<void> {
  for (let start = 0; start < requests.length; start += maxBatch) {
    let pending = requests.slice(start, start + maxBatch);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts)
        throw new Error(`${pending.length} writes still unprocessed after ${maxAttempts} attempts`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
      const { UnprocessedItems } = await documents.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = UnprocessedItems?.[tableName] ?? [];
    }
  }
}

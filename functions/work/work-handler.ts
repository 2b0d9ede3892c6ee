import type { SQSRecord } from 'aws-lambda';
import { eachLimited } from '../lib/each-limited.ts';

/** Handles the records of one kind of work; settles each, in the order given. */
export type WorkHandler = (records: SQSRecord[]) => Promise<PromiseSettledResult<unknown>[]>;

/** A handler for work done record by record, at most `concurrency` at a time. */
export function eachRecord(
  concurrency: number,
  processRecord: (record: SQSRecord) => Promise<void>,
): WorkHandler {
  return async (records) => {
    const results: PromiseSettledResult<unknown>[] = [];
    await eachLimited([...records.keys()], concurrency, async (index) => {
      results[index] = await processRecord(records[index]!).then(
        (value) => ({ status: 'fulfilled', value }) as const,
        (reason) => ({ status: 'rejected', reason }) as const,
      );
    });
    return results;
  };
}

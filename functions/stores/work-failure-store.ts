import { type WorkFailureItem, workFailureItem, workFailureKey } from '../../shared/entities/work-failure.ts';
import type { WorkFailure } from '../../shared/work-failure.ts';
import { config } from '../lib/config.ts';
import { batchGet } from './batch-get.ts';
import { batchWrite } from './batch-write.ts';

/** Keeps each record's failure as its message's last, one write unit each, 25 to a request. */
export async function recordWorkFailures(failures: WorkFailure[]): Promise<void> {
  await batchWrite(
    config.TABLE_NAME,
    failures.map((failure) => ({ PutRequest: { Item: workFailureItem(failure) } })),
  );
}

/** The last failure of each message that has one kept, by message id. */
export async function readWorkFailures(messageIds: string[]): Promise<Map<string, WorkFailure>> {
  const items = await batchGet<WorkFailureItem>(
    config.TABLE_NAME,
    messageIds.map(workFailureKey),
    (item) => item.message_id,
  );
  return new Map(
    [...items].map(([id, { pk: _pk, sk: _sk, expires_at: _expires, ...failure }]) => [id, failure]),
  );
}

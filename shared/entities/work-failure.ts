import type { WorkFailure } from '../work-failure.ts';
import type { TableKey } from './key-parts.ts';

/**
 * The last failure of a work queue message: `FAILURE#<message id>` / `FAILURE`, overwritten by each
 * failed delivery. SQS keeps a message's id when it moves it to the dead-letter queue, so `dlq list`
 * finds each dead letter's last error by its id. It outlives the dead-letter queue's 14 days by one.
 */
export interface WorkFailureItem extends TableKey, WorkFailure {
  expires_at: number;
}

export const workFailureKeepSeconds = 15 * 24 * 3600;

export const workFailureKey = (messageId: string): TableKey => ({
  pk: `FAILURE#${messageId}`,
  sk: 'FAILURE',
});

export function workFailureItem(failure: WorkFailure): WorkFailureItem {
  return {
    ...workFailureKey(failure.message_id),
    ...failure,
    expires_at: Math.floor(Date.parse(failure.failed_at) / 1000) + workFailureKeepSeconds,
  };
}

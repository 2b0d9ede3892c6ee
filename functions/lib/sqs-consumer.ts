import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { capacityMeter } from './capacity-meter.ts';
import { logger } from './logger.ts';

/**
 * A queue consumer that settles a whole batch at once, so that work cheaper done for several records
 * together is (several heartbeats of one app-environment share one evaluation). `processBatch` settles
 * each record, in order; each failed record is logged with its message id and reason and reported back to SQS, which
 * retries it and then moves it to the dead-letter queue.
 */
export function sqsBatchConsumer(
  processBatch: (records: SQSRecord[]) => Promise<PromiseSettledResult<unknown>[]>,
) {
  return async (event: SQSEvent, _context?: Context): Promise<SQSBatchResponse> => {
    capacityMeter.reset();
    const results = await processBatch(event.Records);
    const batchItemFailures = event.Records.flatMap((record, index) => {
      const result = results[index]!;
      if (result.status === 'fulfilled') return [];
      const error = result.reason as Error;
      logger.warn('record failed', {
        message_id: record.messageId,
        error: error.name,
        reason: error.message,
      });
      return [{ itemIdentifier: record.messageId }];
    });
    logger.info('batch processed', {
      records: event.Records.length,
      failed: batchItemFailures.length,
      ...capacityMeter.snapshot(),
    });
    return { batchItemFailures };
  };
}

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { capacityMeter } from './capacity-meter.ts';
import { logger } from './logger.ts';

/**
 * A queue consumer that reports each failed record back to SQS (partial batch response) instead of
 * failing or swallowing the batch: failed records are retried, then moved to the dead-letter queue.
 * Each invocation logs the request units it consumed.
 */
export function sqsConsumer(processRecord: (record: SQSRecord) => Promise<void>) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    capacityMeter.reset();
    const response = await processPartialResponse(event, processRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
    logger.info('batch processed', {
      records: event.Records.length,
      failed: response.batchItemFailures.length,
      ...capacityMeter.snapshot(),
    });
    return response;
  };
}

/**
 * A queue consumer for work that is cheaper done for a whole batch than record by record (several
 * heartbeats of one app-environment share one evaluation). `processBatch` settles each record, in
 * order; each failed record is logged with its message id and reason and reported back to SQS, which
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

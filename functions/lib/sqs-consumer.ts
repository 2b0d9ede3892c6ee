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

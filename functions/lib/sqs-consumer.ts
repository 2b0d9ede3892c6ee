import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { capacityMetrics, workMetrics } from '../../shared/resources.ts';
import { describeFailure, type WorkFailure } from '../../shared/work-failure.ts';
import { recordWorkFailures } from '../stores/work-failure-store.ts';
import { capacityMeter } from './capacity-meter.ts';
import { logger } from './logger.ts';
import { MetricUnit, metrics } from './metrics.ts';

/** How one record of a batch settled, and the kind of work it was when its body named a known one. */
export interface SettledRecord {
  kind: string | undefined;
  result: PromiseSettledResult<unknown>;
}

/** The `kind` dimension of records whose body names no kind the consumer knows (or is not JSON). */
const unknownKind = 'unknown';

function failureOf(record: SQSRecord, kind: string | undefined, thrown: unknown, now: Date): WorkFailure {
  return {
    message_id: record.messageId,
    ...(kind ? { kind } : {}),
    ...describeFailure(thrown),
    receive_count: Number(record.attributes.ApproximateReceiveCount),
    failed_at: now.toISOString(),
  };
}

/**
 * Each kind's outcomes as metrics with the service and the kind as dimensions, zeros included, so
 * that an alarm on a kind's failures always has data. Each metric is a line of its own: a line's
 * metrics share its dimensions, and the batch's request units go without a kind.
 */
function countOutcomes(settled: SettledRecord[]): void {
  for (const [kind, records] of Map.groupBy(settled, (record) => record.kind ?? unknownKind)) {
    const failed = records.filter((record) => record.result.status === 'rejected').length;
    for (const [name, count] of [
      [workMetrics.succeeded, records.length - failed],
      [workMetrics.failed, failed],
    ] as const) {
      metrics.singleMetric().addDimension('kind', kind).addMetric(name, MetricUnit.Count, count);
    }
  }
}

/**
 * A queue consumer that settles a whole batch at once, so that work cheaper done for several records
 * together is (several heartbeats of one app-environment share one evaluation). `processBatch` settles
 * each record, in order. Each failed record is logged (message id, kind, error and receive count, never
 * the body), kept as its message's last failure for `dlq list`, and reported back to SQS, which retries
 * it and then moves it to the dead-letter queue. Outcomes per kind and the request units consumed are
 * metrics, flushed before the invocation returns.
 */
export function sqsBatchConsumer(processBatch: (records: SQSRecord[]) => Promise<SettledRecord[]>) {
  return async (event: SQSEvent, _context?: Context): Promise<SQSBatchResponse> => {
    capacityMeter.reset();
    try {
      const settled = await processBatch(event.Records);
      const now = new Date();
      const failures = event.Records.flatMap((record, index) => {
        const { kind, result } = settled[index]!;
        return result.status === 'rejected' ? [failureOf(record, kind, result.reason, now)] : [];
      });
      for (const { message_id, kind, error, reason, receive_count } of failures)
        logger.warn('record failed', { message_id, kind, error, reason, receive_count });
      if (failures.length > 0) {
        // The outcome is SQS's to act on whatever happens here: a failure not kept only lacks its last
        // error in `dlq list`.
        await recordWorkFailures(failures).catch((thrown: unknown) =>
          logger.warn('could not keep failures', { records: failures.length, ...describeFailure(thrown) }),
        );
      }
      countOutcomes(settled);
      return { batchItemFailures: failures.map((failure) => ({ itemIdentifier: failure.message_id })) };
    } finally {
      metrics.addMetric(capacityMetrics.read, MetricUnit.Count, capacityMeter.readUnits);
      metrics.addMetric(capacityMetrics.write, MetricUnit.Count, capacityMeter.writeUnits);
      metrics.publishStoredMetrics();
    }
  };
}

import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SettledRecord } from '../../functions/lib/sqs-consumer.ts';
import { captureOutput, emittedMetrics, logged } from '../support/emitted.ts';
import { sqsEvent } from '../support/events.ts';

/**
 * The consumer's report of a batch: a metric line per kind and outcome with exactly the dimensions
 * the alarms read (service and kind), the batch's request units without a kind, and the outcome SQS
 * acts on even when keeping the failures fails.
 */

vi.mock('../../functions/stores/work-failure-store.ts', () => ({
  recordWorkFailures: async () => {
    throw new Error('the table is unavailable');
  },
}));

const output = captureOutput();
afterAll(() => output.restore());

process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const { sqsBatchConsumer } = await import('../../functions/lib/sqs-consumer.ts');
const { capacityMeter } = await import('../../functions/lib/capacity-meter.ts');

const fulfilled = (kind: string | undefined): SettledRecord => ({
  kind,
  result: { status: 'fulfilled', value: undefined },
});
const rejected = (kind: string | undefined, reason: unknown): SettledRecord => ({
  kind,
  result: { status: 'rejected', reason },
});

describe('the work consumer’s report of a batch', () => {
  it('counts successes and failures per kind, and the batch’s request units without a kind', async () => {
    const outcomes = [
      fulfilled('summary'),
      rejected('summary', new Error('SES refused')),
      fulfilled('heartbeat'),
      rejected(undefined, new Error('message names no known kind of work')),
    ];
    const consume = sqsBatchConsumer(async () => {
      capacityMeter.record('PutCommand', { CapacityUnits: 2 });
      capacityMeter.record('GetCommand', { CapacityUnits: 0.5 });
      return outcomes;
    });
    const event = sqsEvent(outcomes.map(() => ({})));
    const response = await consume(event);

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[1]!.messageId },
      { itemIdentifier: event.Records[3]!.messageId },
    ]);
    const counted = (kind: string, name: string, value: number) => ({
      namespace: 'Muster',
      dimensions: { service: 'muster', kind },
      name,
      value,
    });
    expect(emittedMetrics(output.lines())).toEqual([
      counted('summary', 'WorkSucceeded', 1),
      counted('summary', 'WorkFailed', 1),
      counted('heartbeat', 'WorkSucceeded', 1),
      counted('heartbeat', 'WorkFailed', 0),
      counted('unknown', 'WorkSucceeded', 0),
      counted('unknown', 'WorkFailed', 1),
      { namespace: 'Muster', dimensions: { service: 'muster' }, name: 'ConsumedReadUnits', value: 0.5 },
      { namespace: 'Muster', dimensions: { service: 'muster' }, name: 'ConsumedWriteUnits', value: 2 },
    ]);
    // Keeping the failures failed; SQS still gets them, and the log says it.
    expect(logged(output.lines(), 'could not keep failures')).toEqual([
      expect.objectContaining({ records: 2, error: 'Error', reason: 'the table is unavailable' }),
    ]);
  });

  it('flushes the request units even when the batch throws, for Lambda to retry it whole', async () => {
    const before = emittedMetrics(output.lines()).length;
    const consume = sqsBatchConsumer(async () => {
      capacityMeter.record('GetCommand', { CapacityUnits: 1 });
      throw new Error('out of memory');
    });
    await expect(consume(sqsEvent([{}]))).rejects.toThrow('out of memory');
    expect(emittedMetrics(output.lines()).slice(before)).toEqual([
      { namespace: 'Muster', dimensions: { service: 'muster' }, name: 'ConsumedReadUnits', value: 1 },
      { namespace: 'Muster', dimensions: { service: 'muster' }, name: 'ConsumedWriteUnits', value: 0 },
    ]);
  });
});

import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { WorkKind } from '../shared/resources.ts';
import { type SettledRecord, sqsBatchConsumer } from './lib/sqs-consumer.ts';
import { matchAdvisories } from './work/advisories.ts';
import { evaluateAppEnvironments } from './work/evaluations.ts';
import { processHeartbeats } from './work/heartbeats.ts';
import { sendAlertNotifications, sendPullRequestFeedback, sendSummaries } from './work/notifications.ts';
import { processScans } from './work/scans.ts';
import { sweepOrganizations } from './work/sweeps.ts';
import type { WorkHandler } from './work/work-handler.ts';

const handlers: Record<WorkKind, WorkHandler> = {
  heartbeat: processHeartbeats,
  scan: processScans,
  advisory: matchAdvisories,
  evaluation: evaluateAppEnvironments,
  sweep: sweepOrganizations,
  alert: sendAlertNotifications,
  summary: sendSummaries,
  feedback: sendPullRequestFeedback,
};

const envelopeSchema = z.object({ kind: z.enum(Object.keys(handlers) as [WorkKind, ...WorkKind[]]) });

/** The kind a record says it is; undefined for a body that says none, which fails to the DLQ. */
function kindOf(record: SQSRecord): WorkKind | undefined {
  try {
    return envelopeSchema.parse(JSON.parse(record.body)).kind;
  } catch {
    return undefined;
  }
}

/**
 * Consumes the work queue: hands each kind of record in a batch to its module, all kinds at once, and
 * says how each record settled and of which kind it was; the consumer reports the failed ones to SQS.
 */
export const handler = sqsBatchConsumer(async (records) => {
  const settled: SettledRecord[] = [];
  const indexesByKind = Map.groupBy(records.keys(), (index) => kindOf(records[index]!));
  await Promise.all(
    [...indexesByKind].map(async ([kind, indexes]) => {
      const fail = (reason: unknown) => indexes.map(() => ({ status: 'rejected', reason }) as const);
      const results = kind
        ? await handlers[kind](indexes.map((index) => records[index]!)).catch(fail)
        : fail(new Error('message names no known kind of work'));
      indexes.forEach((index, position) => {
        settled[index] = { kind, result: results[position]! };
      });
    }),
  );
  return settled;
});

import { heartbeatMessageSchema } from '../shared/heartbeat.ts';
import { messageBody } from './lib/queue.ts';
import { sqsConsumer } from './lib/sqs-consumer.ts';
import { applyHeartbeat } from './use-cases/apply-heartbeat.ts';

// A message that does not parse was validated at ingest already; throwing sends it on to the DLQ.
export const handler = sqsConsumer(async (record) => {
  await applyHeartbeat(heartbeatMessageSchema.parse(await messageBody(record.body)));
});

import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { heartbeatMessageSchema } from '../../shared/heartbeat.ts';
import { logger } from '../lib/logger.ts';
import { messageBody } from '../lib/queue.ts';
import { applyHeartbeats } from '../use-cases/apply-heartbeat.ts';
import type { WorkHandler } from './work-handler.ts';

// A message that does not parse was validated at ingest already: failing it sends it on to the DLQ.
export const processHeartbeats: WorkHandler = async (records) => {
  const parsed = await Promise.allSettled(
    records.map(async (record) => heartbeatMessageSchema.parse(await messageBody(record.body))),
  );
  const messages = parsed.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const applied = await applyHeartbeats(messages);
  const byMessage = new Map<HeartbeatMessage, PromiseSettledResult<unknown>>(
    messages.map((message, index) => [message, applied[index]!]),
  );
  return parsed.map((result, index) => {
    if (result.status === 'rejected') return result;
    const applied = byMessage.get(result.value)!;
    if (applied.status === 'fulfilled') {
      logger.debug('heartbeat applied', { message_id: records[index]!.messageId, outcome: applied.value });
    }
    return applied;
  });
};

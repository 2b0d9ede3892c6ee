import { randomUUID } from 'node:crypto';
import { acceptHeartbeat, type HeartbeatMessage } from '../shared/heartbeat.ts';
import { inventoryHash } from '../shared/inventory.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { logger } from './lib/logger.ts';
import { enqueueUpload } from './lib/queue.ts';
import { authenticate } from './use-cases/authenticate.ts';
import { touchHeartbeat } from './use-cases/touch-heartbeat.ts';

/**
 * Accepts a heartbeat. One that changes nothing but its instance's last-seen time, as most do, is
 * applied here at once; the rest go through the work queue to be written and evaluated.
 */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'ingest');
  const receivedAt = new Date();
  const message: HeartbeatMessage = {
    id: randomUUID(),
    org: key.org,
    received_at: receivedAt.toISOString(),
    heartbeat: acceptHeartbeat(jsonBody(event), receivedAt),
  };
  // Should the table fail here, the queue takes the heartbeat and its consumer applies it.
  const touched = await touchHeartbeat(message, inventoryHash(message.heartbeat), { revive: false }).catch(
    (error: Error) => {
      logger.warn('heartbeat not applied at ingest; queued', { error: error.name, reason: error.message });
      return 'write' as const;
    },
  );
  if (touched === 'write') await enqueueUpload('heartbeat', message.id, message);
  return json(202, { id: message.id });
});

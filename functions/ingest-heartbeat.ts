import { randomUUID } from 'node:crypto';
import { acceptHeartbeat, type HeartbeatMessage } from '../shared/heartbeat.ts';
import { required } from './lib/config.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { enqueue } from './lib/queue.ts';
import { authenticate } from './stores/api-key-store.ts';

const queueUrl = required('HEARTBEATS_QUEUE_URL');

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'ingest');
  const receivedAt = new Date();
  const message: HeartbeatMessage = {
    id: randomUUID(),
    org: key.org,
    received_at: receivedAt.toISOString(),
    heartbeat: acceptHeartbeat(jsonBody(event), receivedAt),
  };
  await enqueue(queueUrl, message.id, message);
  return json(202, { id: message.id });
});

import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { handler as ingest } from '../../functions/ingest-heartbeat.ts';
import { handler as lookup } from '../../functions/lookup.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { generateApiKey } from '../../shared/api-keys.ts';
import { apiKeyKey } from '../../shared/entities/api-key.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeat, heartbeatMessage } from '../support/fixtures.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

afterEach(() => {
  dynamodb.reset();
  sqs.reset();
});

function knownKey(scope: 'ingest' | 'read') {
  const { key, prefix, hash } = generateApiKey();
  dynamodb.on(GetCommand, { Key: apiKeyKey(hash) }).resolves({
    Item: { ...apiKeyKey(hash), hash, prefix, org: 'acme', scope, created_at: '2026-11-29T00:00:00Z' },
  });
  dynamodb.on(UpdateCommand).resolves({});
  return key;
}

const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
  name: 'ProvisionedThroughputExceededException',
});

describe('when AWS fails', () => {
  it('answers 500 without details when SQS refuses the heartbeat, so the agent retries', async () => {
    // An instance never seen: its heartbeat must go through the queue.
    dynamodb.on(GetCommand).resolves({});
    const key = knownKey('ingest');
    sqs.on(SendMessageCommand).rejects(new Error('secret internal detail'));
    const result = await ingest(
      httpEvent({ method: 'POST', path: '/v1/heartbeat', key, body: heartbeat() }),
      context,
    );
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(result.body).not.toContain('secret');
  });

  it('queues a heartbeat whose instance head cannot be read, instead of failing it', async () => {
    dynamodb.on(GetCommand).rejects(throttled);
    const key = knownKey('ingest');
    sqs.on(SendMessageCommand).resolves({});
    const result = await ingest(
      httpEvent({ method: 'POST', path: '/v1/heartbeat', key, body: heartbeat() }),
      context,
    );
    expect(result.statusCode).toBe(202);
    const sent = sqs
      .commandCalls(SendMessageCommand)
      .map((call) => JSON.parse(call.args[0].input.MessageBody!));
    expect(sent).toEqual([expect.objectContaining({ kind: 'heartbeat', id: bodyOf(result).id })]);
  });

  it('answers 500 when the key cannot be read, never 401 for a key that may be valid', async () => {
    dynamodb.on(GetCommand).rejects(throttled);
    const result = await lookup(
      httpEvent({
        path: '/v1/lookup',
        key: generateApiKey().key,
        query: { package: 'plug', version: '1.0.0' },
      }),
      context,
    );
    expect(result.statusCode).toBe(500);
  });

  it('hands a record back to SQS when DynamoDB throttles, and only that record', async () => {
    // The good record's stored head is newer, so applying it needs no further calls.
    const good = heartbeatMessage('acme', { instance: 'ok' });
    const unlucky = heartbeatMessage('acme', { instance: 'unlucky' });
    dynamodb.on(GetCommand).callsFake(async (input: { Key: { sk: string } }) => {
      if (input.Key.sk.endsWith('unlucky')) throw throttled;
      return {
        Item: { sent_at: '2099-01-01T00:00:00Z', inventory_hash: 'x', last_seen: '2099-01-01T00:00:00Z' },
      };
    });
    const event = workEvent('heartbeat', [good, unlucky]);
    const response = await processWork(event, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.messageId }]);
  });
});

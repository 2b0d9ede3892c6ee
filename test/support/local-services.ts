import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createApiKey } from '../../functions/stores/api-key-store.ts';
import type { Scope } from '../../shared/api-keys.ts';
import type { QueueName } from '../../shared/resources.ts';
import { testQueues } from './local-aws.ts';

export const servers = inject('servers');

/** A new key of the scope for the organization; the key itself, as its holder would send it. */
export async function keyFor(org: string, scope: Scope): Promise<string> {
  return (await createApiKey(org, scope)).key;
}

const sqs = new SQSClient({});

/** Receives what this test file's queue holds, waiting up to a second for the first message. */
export async function receiveAll(
  queue: QueueName,
  which: 'url' | 'deadLetterUrl' = 'url',
): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: testQueues[queue][which],
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: bodies.length === 0 ? 1 : 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => JSON.parse(message.Body ?? 'null')));
  }
}

/** Waits, in bounded steps, until the check passes; fails with its last error otherwise. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

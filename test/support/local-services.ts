import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { createApiKey } from '../../functions/stores/api-key-store.ts';
import type { Scope } from '../../shared/api-keys.ts';
import type { AlertEvent } from '../../shared/entities/finding.ts';
import type { AlertNotification } from '../../shared/notifications.ts';
import type { QueueName, WorkKind } from '../../shared/resources.ts';
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
  return (await receiveMessages(testQueues[queue][which])).map((message) =>
    JSON.parse(message.Body ?? 'null'),
  );
}

/**
 * Receives the work of one kind that this test file's work queue holds, each message as its producer
 * made it (without the kind it was sent as); work of other kinds stays on the queue, visible again at
 * once.
 */
export async function receiveWork(
  kind: WorkKind,
  which: 'url' | 'deadLetterUrl' = 'url',
): Promise<unknown[]> {
  const url = testQueues.work[which];
  const messages = await receiveMessages(url);
  const ofKind = (message: Message) =>
    (JSON.parse(message.Body ?? 'null') as { kind?: string }).kind === kind;
  const others = messages.filter((message) => !ofKind(message));
  for (let start = 0; start < others.length; start += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: others.slice(start, start + 10).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
  return messages.filter(ofKind).map((message) => {
    const { kind: _, ...body } = JSON.parse(message.Body!) as { kind: string };
    return body;
  });
}

/** The alert events on this test file's work queue, each notification's events in order. */
export async function receiveAlerts(): Promise<AlertEvent[]> {
  const notifications = (await receiveWork('alert')) as Omit<AlertNotification, 'kind'>[];
  return notifications.flatMap((notification) => notification.events);
}

async function receiveMessages(url: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: messages.length === 0 ? 1 : 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

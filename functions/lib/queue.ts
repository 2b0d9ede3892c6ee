import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqs } from './sqs.ts';

/** Puts a message on a queue; the caller answers 202 only after SQS has accepted it. */
export async function enqueue(queueUrl: string, message: unknown): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
}

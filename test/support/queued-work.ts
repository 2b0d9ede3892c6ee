import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { context, sqsEvent } from './events.ts';
import { testQueues } from './local-aws.ts';

const sqs = new SQSClient({});

/**
 * Runs the work consumer on everything this file's work queue holds until it is empty, as Lambda would;
 * answers the bodies it ran, as SQS carried them, and the message ids of the records that failed. The
 * consumer is passed in, as test files load it after setting the environment it reads.
 */
export async function runQueuedWork(
  processWork: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
): Promise<{ bodies: string[]; failures: string[] }> {
  const bodies: string[] = [];
  const failures: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: testQueues.work.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: bodies.length === 0 ? 1 : 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return { bodies, failures };
    const batch = Messages.map((message) => message.Body!);
    bodies.push(...batch);
    const { batchItemFailures } = await processWork(sqsEvent(batch), context);
    failures.push(...batchItemFailures.map((failure) => failure.itemIdentifier));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: testQueues.work.url,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
        })),
      }),
    );
  }
}

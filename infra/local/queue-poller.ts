import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ConsumedQueue } from '../../shared/resources.ts';
import { localRegion } from './aws-environment.ts';
import { invoke } from './handlers.ts';

export interface PollerOptions {
  queue: ConsumedQueue;
  url: string;
  arn: string;
  /** Overrides the queue's visibility timeout, so that tests see retries in seconds. */
  visibilityTimeoutSeconds?: number;
}

function toRecord(message: Message, arn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: localRegion,
  };
}

/**
 * Does for one queue what Lambda's SQS event source mapping does: long-polls, gathers up to the batch
 * size within the batching window, invokes the consumer, deletes the records it did not report as
 * failed, and leaves the failed ones to reappear after the visibility timeout. SQS itself moves a
 * message to the dead-letter queue after maxReceiveCount receives.
 */
export class QueuePoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly client = new SQSClient({});

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    this.client.destroy();
  }

  private async receive(max: number, waitSeconds: number): Promise<Message[]> {
    const { queue, url, visibilityTimeoutSeconds } = this.options;
    const result = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        VisibilityTimeout: visibilityTimeoutSeconds ?? queue.visibilityTimeoutSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: this.abort.signal },
    );
    return result.Messages ?? [];
  }

  private async gatherBatch(): Promise<Message[]> {
    const { queue } = this.options;
    const batch = await this.receive(queue.batchSize, 1);
    const windowEnds = Date.now() + queue.maxBatchingWindowSeconds * 1000;
    while (batch.length > 0 && batch.length < queue.batchSize && Date.now() < windowEnds && this.running) {
      const more = await this.receive(queue.batchSize - batch.length, 0);
      if (more.length === 0) break;
      batch.push(...more);
    }
    return batch;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const batch = await this.gatherBatch();
        if (batch.length > 0) await this.deliver(batch);
      } catch (error) {
        if (!this.running) return;
        console.error(`local poller ${this.options.queue.name}:`, error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Hands one batch to the consumer; resolves once the successful records are deleted. */
  async deliver(batch: Message[]): Promise<SQSBatchResponse | undefined> {
    const { queue, url, arn } = this.options;
    const event: SQSEvent = { Records: batch.map((message) => toRecord(message, arn)) };
    let failed: Set<string>;
    let response: SQSBatchResponse | undefined;
    try {
      response = await invoke<SQSBatchResponse | undefined>(queue.consumer, event);
      failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    } catch (error) {
      // A failed invocation returns the whole batch to the queue, as Lambda does.
      console.error(`local poller ${queue.name}: ${queue.consumer} failed`, error);
      failed = new Set(batch.map((message) => message.MessageId!));
    }
    const done = batch.filter((message) => !failed.has(message.MessageId!));
    for (let start = 0; start < done.length; start += 10) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: done.slice(start, start + 10).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
          })),
        }),
      );
    }
    return response;
  }
}

/** Resolves once every queue is empty, all its messages consumed, or once `timeoutMs` has passed. */
export async function queuesDrained(urls: string[], timeoutMs: number): Promise<void> {
  const sqs = new SQSClient({});
  const deadline = Date.now() + timeoutMs;
  for (const url of urls) {
    while (Date.now() < deadline) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      if (
        Attributes.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0'
      ) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  sqs.destroy();
}

import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueDefinition } from '../../shared/resources.ts';
import type { MusterFunction } from './muster-function.ts';

/** How long a dead letter is kept: SQS's most, for as long as possible to find and fix its cause. */
export const deadLetterRetentionDays = 14;

/**
 * A queue with its dead-letter queue and its consumer, if it has one yet: a message that fails
 * maxReceiveCount times waits in the dead-letter queue for two weeks instead of being lost.
 */
export class MessageQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(
    scope: Construct,
    id: string,
    definition: QueueDefinition,
    consumer: MusterFunction | undefined,
  ) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(deadLetterRetentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.queue = new Queue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
    });
    consumer?.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: definition.batchSize,
        maxBatchingWindow: Duration.seconds(definition.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
      }),
    );
  }
}

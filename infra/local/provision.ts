import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { deadLetterQueueName, payloadBucket, type QueueName, queues, table } from '../../shared/resources.ts';
import { localQueueArn, localQueueUrl } from './aws-environment.ts';

/**
 * Creates the table from the shared definition unless it exists (data survives restarts); under
 * another name, a table shaped like it, as a point-in-time restore makes one.
 */
export async function provisionTable(
  dynamodbEndpoint: string,
  tableName: string = table.name,
): Promise<void> {
  const client = new DynamoDBClient({ endpoint: dynamodbEndpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const keyAttributes = [
    table.partitionKey,
    table.sortKey,
    ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  const attributeDefinitions: AttributeDefinition[] = keyAttributes.map((name) => ({
    AttributeName: name,
    AttributeType: 'S',
  }));
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributeDefinitions,
      KeySchema: [
        { AttributeName: table.partitionKey, KeyType: 'HASH' },
        { AttributeName: table.sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: table.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  client.destroy();
}

export type QueueUrls = Record<QueueName, { url: string; deadLetterUrl: string; arn: string }>;

/**
 * Creates each queue with its dead-letter queue and redrive policy (CreateQueue is idempotent).
 * A suffix gives a test file queues of its own on shared servers.
 */
export async function provisionQueues(sqsEndpoint: string, suffix = ''): Promise<QueueUrls> {
  const client = new SQSClient({ endpoint: sqsEndpoint });
  const urls = {} as QueueUrls;
  for (const queue of Object.values(queues)) {
    const name = `${queue.name}${suffix}`;
    const deadLetterName = `${deadLetterQueueName(queue.name)}${suffix}`;
    await client.send(
      new CreateQueueCommand({
        QueueName: deadLetterName,
        Attributes: { MessageRetentionPeriod: '1209600' },
      }),
    );
    await client.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: localQueueArn(deadLetterName),
            maxReceiveCount: queue.maxReceiveCount,
          }),
        },
      }),
    );
    urls[queue.name] = {
      url: localQueueUrl(sqsEndpoint, name),
      deadLetterUrl: localQueueUrl(sqsEndpoint, deadLetterName),
      arn: localQueueArn(name),
    };
  }
  client.destroy();
  return urls;
}

/** Creates the payload bucket for claim-checked messages (CreateBucket is idempotent here). */
export async function provisionPayloadBucket(s3Endpoint: string): Promise<string> {
  const client = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: payloadBucket.name }));
  } catch (error) {
    if ((error as Error).name !== 'BucketAlreadyOwnedByYou') throw error;
  }
  client.destroy();
  return payloadBucket.name;
}

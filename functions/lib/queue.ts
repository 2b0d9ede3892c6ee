import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { payloadBucket } from '../../shared/resources.ts';
import { sqs } from './sqs.ts';

interface ClaimCheck {
  claim_check: { key: string };
}

const bucketName = () => {
  const name = process.env[payloadBucket.envVariable];
  if (!name) throw new Error(`environment variable ${payloadBucket.envVariable} is not set`);
  return name;
};

// Few messages are large: the S3 client loads on the first that is, not on every cold start.
const s3 = () => import('./s3.ts').then((module) => module.s3);

/**
 * Puts a message on a queue; the caller answers 202 only after SQS has accepted it. A large message
 * goes to the payload bucket first and the queue carries its key.
 */
export async function enqueue(queueUrl: string, id: string, message: unknown): Promise<void> {
  let body = JSON.stringify(message);
  if (Buffer.byteLength(body) > payloadBucket.claimCheckThresholdBytes) {
    const key = `${new URL(queueUrl).pathname.split('/').pop()}/${id}.json`;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await (await s3()).send(
      new PutObjectCommand({ Bucket: bucketName(), Key: key, Body: body, ContentType: 'application/json' }),
    );
    body = JSON.stringify({ claim_check: { key } } satisfies ClaimCheck);
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** A queue message's JSON, fetched from the payload bucket when the queue carried a claim check. */
export async function messageBody(body: string): Promise<unknown> {
  const parsed = JSON.parse(body) as Partial<ClaimCheck>;
  if (typeof parsed.claim_check?.key !== 'string') return parsed;
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await (await s3()).send(
    new GetObjectCommand({ Bucket: bucketName(), Key: parsed.claim_check.key }),
  );
  return JSON.parse(await object.Body!.transformToString());
}

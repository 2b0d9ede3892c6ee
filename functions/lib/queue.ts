import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { queueBody } from '../../shared/queue-body.ts';
import {
  claimCheckPrefix,
  payloadBucket,
  type QueueName,
  queues,
  type UploadKind,
  type WorkKind,
} from '../../shared/resources.ts';
import { eachLimited } from './each-limited.ts';
import { payloadBucketName } from './payload-bucket.ts';
import { sqs } from './sqs.ts';

interface ClaimCheck {
  claim_check: { key: string };
}

/** Every message on the work queue says what it is, so that its consumer hands it to the right module. */
interface WorkEnvelope {
  kind: WorkKind;
}

/** A queue's URL, as the stack or the local mode sets it for the functions that send to it. */
export function queueUrl(queue: QueueName): string {
  const url = process.env[queues[queue].urlEnv];
  if (!url) throw new Error(`environment variable ${queues[queue].urlEnv} is not set`);
  return url;
}

// Few messages are large: the S3 client loads on the first that is, not on every cold start.
const s3 = () => import('./s3.ts').then((module) => module.s3);

/**
 * Puts an upload on the work queue; the caller answers 202 only after SQS has accepted it. A large one
 * goes to the payload bucket first, under its kind's prefix, and the queue carries its key.
 */
export async function enqueueUpload(kind: UploadKind, id: string, message: object): Promise<void> {
  let body = queueBody({ kind, ...message });
  if (Buffer.byteLength(body) > payloadBucket.claimCheckThresholdBytes) {
    const key = `${claimCheckPrefix(kind)}/${id}.json`;
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await (await s3()).send(
      new PutObjectCommand({
        Bucket: payloadBucketName(),
        Key: key,
        Body: body,
        ContentType: 'application/json',
      }),
    );
    body = queueBody({ kind, claim_check: { key } } satisfies WorkEnvelope & ClaimCheck);
  }
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('work'), MessageBody: body }));
}

/** Puts one small piece of work on the work queue; it says its kind. */
export async function enqueueWork<Message extends { kind: WorkKind }>(message: Message): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl('work'), MessageBody: queueBody(message) }));
}

/** SendMessageBatch takes at most ten entries. */
const maxBatch = 10;
const maxAttempts = 5;

/**
 * Puts many small pieces of work of one kind on the work queue, ten to a request, several requests at
 * a time, retrying the entries SQS reports as failed; throws if some still fail, so that the caller's
 * message is retried.
 */
export async function enqueueAllWork(kind: WorkKind, messages: object[], concurrency = 16): Promise<void> {
  const url = queueUrl('work');
  const batches: { Id: string; MessageBody: string }[][] = [];
  for (let start = 0; start < messages.length; start += maxBatch) {
    batches.push(
      messages
        .slice(start, start + maxBatch)
        .map((message, index) => ({ Id: String(index), MessageBody: queueBody({ kind, ...message }) })),
    );
  }
  await eachLimited(batches, concurrency, async (batch) => {
    let entries = batch;
    for (let attempt = 1; entries.length > 0; attempt++) {
      if (attempt > maxAttempts) throw new Error(`${entries.length} messages not accepted by SQS`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const { Failed } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
      const failed = new Set((Failed ?? []).map((failure) => failure.Id));
      entries = entries.filter((entry) => failed.has(entry.Id));
    }
  });
}

/** A queue message's JSON, fetched from the payload bucket when the queue carried a claim check. */
export async function messageBody(body: string): Promise<unknown> {
  const parsed = JSON.parse(body) as Partial<ClaimCheck>;
  if (typeof parsed.claim_check?.key !== 'string') return parsed;
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await (await s3()).send(
    new GetObjectCommand({ Bucket: payloadBucketName(), Key: parsed.claim_check.key }),
  );
  return JSON.parse(await object.Body!.transformToString());
}

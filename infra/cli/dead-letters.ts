import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { readWorkFailures } from '../../functions/stores/work-failure-store.ts';
import type { WorkFailure } from '../../shared/work-failure.ts';

/**
 * `dlq list` and `dlq redrive`: what waits in a queue's dead-letter queue, and moving it back. Both work
 * with ReceiveMessage, SendMessage and DeleteMessage only, so that they behave the same on AWS and on
 * the local SQS server, which has no message move tasks; each page is ten messages (SQS's most).
 */

export interface DeadLetter {
  message_id: string;
  /** The kind its envelope names; the body is never shown. */
  kind: string | undefined;
  /** SQS's ApproximateReceiveCount: the consumer's deliveries, and every listing's receive since. */
  receive_count: number;
  sent_at: string;
  /** The consumer's last failure of it, kept 15 days; absent when it was not kept. */
  last_failure: WorkFailure | undefined;
}

export interface RedriveResult {
  moved: number;
  /** Sent back but still in the dead-letter queue too: the next redrive sends them again. */
  undeleted: number;
  /** Not accepted by the source queue: they stay in the dead-letter queue. */
  unsent: number;
}

/** Long enough to page through a full dead-letter queue; a listing that dies hides them no longer. */
const listVisibilitySeconds = 60;
/** Long enough to send a page back and delete it. */
const redriveVisibilitySeconds = 60;

/**
 * A queue's dead-letter queue, as its redrive policy names it. A queue URL is `<endpoint>/<account>/
 * <name>`; the stack makes each dead-letter queue in its source's region, so the URL is the source's
 * with the account and name of the policy's ARN.
 */
export async function deadLetterQueueUrl(sqs: SQSClient, sourceUrl: string): Promise<string> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  if (!Attributes.RedrivePolicy) throw new Error(`${sourceUrl} has no dead-letter queue`);
  const { deadLetterTargetArn } = JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn: string };
  const [account, name] = deadLetterTargetArn.split(':').slice(4);
  return new URL(`../${account}/${name}`, sourceUrl).href;
}

function receivePage(sqs: SQSClient, url: string, visibilitySeconds: number): Promise<Message[]> {
  return sqs
    .send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        // Long polling asks every SQS server, so an empty answer means an empty queue.
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilitySeconds,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    )
    .then((output) => output.Messages ?? []);
}

const pages = <T>(items: T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / 10) }, (_, page) => items.slice(page * 10, page * 10 + 10));

/**
 * Every message of the queue, each received once and made visible again at once: SQS cannot show a
 * message without receiving it. A message received twice (a listing longer than the visibility timeout)
 * is listed once, and the paging ends when a page brings nothing new.
 */
async function peekAll(sqs: SQSClient, url: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  try {
    for (;;) {
      const page = await receivePage(sqs, url, listVisibilitySeconds);
      const fresh = page.filter((message) => !seen.has(message.MessageId!));
      for (const message of page) seen.set(message.MessageId!, message);
      if (fresh.length === 0) break;
    }
  } finally {
    for (const page of pages([...seen.values()])) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: page.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle!,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
  return [...seen.values()];
}

/** The envelope's kind, when it is one word: a broken body shows nothing of itself. */
function envelopeKind(body: string | undefined): string | undefined {
  try {
    const kind = (JSON.parse(body ?? '') as { kind?: unknown } | null)?.kind;
    return typeof kind === 'string' && /^[a-z-]{1,32}$/.test(kind) ? kind : undefined;
  } catch {
    return undefined;
  }
}

/** The dead letters of the queue at `deadLetterUrl`, oldest first, each with its last failure. */
export async function listDeadLetters(sqs: SQSClient, deadLetterUrl: string): Promise<DeadLetter[]> {
  const messages = await peekAll(sqs, deadLetterUrl);
  const failures = await readWorkFailures(messages.map((message) => message.MessageId!));
  return messages
    .map((message) => ({
      message_id: message.MessageId!,
      kind: envelopeKind(message.Body),
      receive_count: Number(message.Attributes?.ApproximateReceiveCount),
      sent_at: new Date(Number(message.Attributes?.SentTimestamp)).toISOString(),
      last_failure: failures.get(message.MessageId!),
    }))
    .sort((a, b) => a.sent_at.localeCompare(b.sent_at));
}

/**
 * Moves every message of the dead-letter queue back to its source queue, a page at a time: each is
 * sent with its body and deleted from the dead-letter queue only once the source queue
 * has it. A message may so be in both queues for a moment, or in both for good when the delete fails,
 * never in neither: processing is idempotent, losing work is not. A message back in the source queue
 * has a new id.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  deadLetterUrl: string,
  sourceUrl: string,
): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, undeleted: 0, unsent: 0 };
  // Messages this run could not move come back once invisible no longer; they are not tried twice.
  const left = new Set<string>();
  for (;;) {
    const page = (await receivePage(sqs, deadLetterUrl, redriveVisibilitySeconds)).filter(
      (message) => !left.has(message.MessageId!),
    );
    if (page.length === 0) return result;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: sourceUrl,
        // Muster's messages carry everything in their body (a claim check included), no attributes.
        Entries: page.map((message, index) => ({ Id: String(index), MessageBody: message.Body! })),
      }),
    );
    for (const failed of sent.Failed ?? []) left.add(page[Number(failed.Id)]!.MessageId!);
    result.unsent += sent.Failed?.length ?? 0;
    const moved = (sent.Successful ?? []).map((entry) => page[Number(entry.Id)]!);
    if (moved.length === 0) continue;
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: deadLetterUrl,
        Entries: moved.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle!,
        })),
      }),
    );
    for (const failed of deleted.Failed ?? []) left.add(moved[Number(failed.Id)]!.MessageId!);
    result.undeleted += deleted.Failed?.length ?? 0;
    result.moved += moved.length;
  }
}

/** `45s`, `12m`, `3h 5m`, `2d 4h`: how long ago, to the unit that matters. */
export function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A table of the dead letters, a header first. */
export function deadLetterTable(letters: DeadLetter[], now: Date): string[] {
  const rows = letters.map((letter) => [
    letter.message_id,
    letter.kind ?? '?',
    String(letter.receive_count),
    formatAge(now.getTime() - Date.parse(letter.sent_at)),
    letter.last_failure ? `${letter.last_failure.error}: ${letter.last_failure.reason}` : '-',
  ]);
  const header = ['MESSAGE ID', 'KIND', 'RECEIVES', 'AGE', 'LAST ERROR'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows].map((row) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '),
  );
}

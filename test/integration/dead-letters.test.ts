import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  claimCheckPrefix,
  consumedQueue,
  deadLetterQueueName,
  payloadBucket,
} from '../../shared/resources.ts';
import { cliFor } from '../support/cli.ts';
import { captureOutput, emittedMetrics, logged } from '../support/emitted.ts';
import { context, sqsEvent } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { testQueues } from '../support/local-aws.ts';
import { servers } from '../support/local-services.ts';

/**
 * What an operator sees of work that keeps failing: the consumer's log line and metrics for each
 * failed record, and `dlq list` and `dlq redrive` (the CLI, as a process) against this file's queues,
 * once poison messages have reached the dead-letter queue through the local event source mapping.
 */

const output = captureOutput();
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
const { handler: processWork } = await import('../../functions/process-work.ts');
const { readWorkFailures } = await import('../../functions/stores/work-failure-store.ts');
const { readInstanceDependencies } = await import('../../functions/stores/inventory-store.ts');
const { QueuePoller } = await import('../../infra/local/queue-poller.ts');
const { s3 } = await import('../../functions/lib/s3.ts');

const work = consumedQueue('work');
const sqs = new SQSClient({});
const secret = 'PAYLOAD-SECRET-91c2';

const operator = cliFor(servers, {
  work: testQueues.work.url,
  [deadLetterQueueName('work')]: testQueues.work.deadLetterUrl,
});
const cli = operator.run;

const pollers: { stop(): Promise<void> }[] = [];
function startPoller(): { stop(): Promise<void> } {
  const poller = new QueuePoller({
    queue: work,
    url: testQueues.work.url,
    arn: testQueues.work.arn,
    visibilityTimeoutSeconds: 1,
  });
  poller.start();
  pollers.push(poller);
  return poller;
}

afterAll(async () => {
  await Promise.all(pollers.map((poller) => poller.stop()));
  output.restore();
  operator.remove();
});

async function messagesIn(url: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('a failed record', () => {
  it('is logged with its message id, kind, error and receive count, counted per kind, and kept', async () => {
    const org = uniqueOrg();
    const event = sqsEvent([
      { kind: 'heartbeat', ...heartbeatMessage(org) },
      { kind: 'heartbeat', ...heartbeatMessage(org, { instance: secret }), received_at: secret },
      `{"kind": "heartbeat", "org": ${secret}`,
    ]);
    event.Records[1]!.attributes.ApproximateReceiveCount = '3';
    const [, invalid, notJson] = event.Records.map((record) => record.messageId);

    const response = await processWork(event, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: invalid }, { itemIdentifier: notJson }]);
    expect(logged(output.lines(), 'record failed')).toEqual([
      expect.objectContaining({
        message_id: invalid,
        kind: 'heartbeat',
        error: 'ZodError',
        reason: 'received_at: must be an RFC 3339 date-time; received_at: is not a date that exists',
        receive_count: 3,
      }),
      expect.objectContaining({
        message_id: notJson,
        error: 'Error',
        reason: 'message names no known kind of work',
        receive_count: 1,
      }),
    ]);
    expect(logged(output.lines(), 'record failed')[1]).not.toHaveProperty('kind');
    const metrics = emittedMetrics(output.lines());
    expect(metrics.filter((metric) => metric.dimensions.kind !== undefined)).toEqual([
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', kind: 'heartbeat' },
        name: 'WorkSucceeded',
        value: 1,
      },
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', kind: 'heartbeat' },
        name: 'WorkFailed',
        value: 1,
      },
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', kind: 'unknown' },
        name: 'WorkSucceeded',
        value: 0,
      },
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', kind: 'unknown' },
        name: 'WorkFailed',
        value: 1,
      },
    ]);
    expect(metrics.find((metric) => metric.name === 'ConsumedWriteUnits')!.value).toBeGreaterThan(0);
    expect(output.lines().filter((line) => line.includes(secret))).toEqual([]);

    const kept = await readWorkFailures([invalid!, notJson!]);
    expect(kept.get(invalid!)).toMatchObject({ kind: 'heartbeat', error: 'ZodError', receive_count: 3 });
    expect(kept.get(notJson!)).toMatchObject({
      error: 'Error',
      reason: 'message names no known kind of work',
    });
    expect(kept.get(notJson!)).not.toHaveProperty('kind');
  });
});

describe('dlq list and dlq redrive', () => {
  it('list each dead letter with its receives, age, kind and last error, then move exactly them back', async () => {
    const org = uniqueOrg();
    const fixed = { kind: 'heartbeat', ...heartbeatMessage(org, { instance: 'billing@late-1' }) };
    // A claim check whose body is not in the bucket (yet): it fails until the body is put there.
    const claimKey = `${claimCheckPrefix('heartbeat')}/${randomUUID()}.json`;
    const bodies = [
      JSON.stringify({ kind: 'heartbeat', claim_check: { key: claimKey } }),
      JSON.stringify({ org, note: secret }),
    ];
    for (const body of bodies)
      await sqs.send(new SendMessageCommand({ QueueUrl: testQueues.work.url, MessageBody: body }));
    const poller = startPoller();
    await eventually(async () => expect(await messagesIn(testQueues.work.deadLetterUrl)).toBe(2), 45_000);
    await poller.stop();

    const listed = await cli('dlq', 'list', 'work', '--json');
    expect(listed.code).toBe(0);
    const letters = JSON.parse(listed.stdout) as {
      queue: string;
      message_id: string;
      kind: string | null;
      receive_count: number;
      sent_at: string;
      last_failure: { error: string; reason: string; receive_count: number } | null;
    }[];
    expect(letters).toHaveLength(2);
    for (const letter of letters) {
      expect(letter.queue).toBe('work');
      expect(letter.receive_count).toBeGreaterThanOrEqual(work.maxReceiveCount);
      expect(Date.parse(letter.sent_at)).toBeLessThanOrEqual(Date.now());
      expect(letter.last_failure?.receive_count).toBe(work.maxReceiveCount);
    }
    const byKind = new Map(letters.map((letter) => [letter.kind, letter]));
    expect(byKind.get('heartbeat')!.last_failure).toMatchObject({ error: 'NoSuchKey' });
    expect(byKind.get(null)!.last_failure).toMatchObject({
      error: 'Error',
      reason: 'message names no known kind of work',
    });
    expect(listed.stdout).not.toContain(secret);

    // Listing consumed nothing: a second listing, as a table, shows both again.
    const shown = await cli('dlq', 'list');
    expect(shown.code).toBe(0);
    const lines = shown.stdout.trim().split('\n');
    expect(lines[0]).toBe('work-dlq: 2 dead letters');
    expect(lines[1]).toMatch(/^MESSAGE ID +KIND +RECEIVES +AGE +LAST ERROR$/);
    const row = lines.find((line) => line.startsWith(byKind.get('heartbeat')!.message_id))!;
    expect(row).toMatch(/ heartbeat +\d+ +\d+[sm] +NoSuchKey: /);
    expect(lines.some((line) => line.startsWith(byKind.get(null)!.message_id))).toBe(true);
    expect(await messagesIn(testQueues.work.deadLetterUrl)).toBe(2);

    await s3.send(
      new PutObjectCommand({ Bucket: payloadBucket.name, Key: claimKey, Body: JSON.stringify(fixed) }),
    );
    const redriven = await cli('dlq', 'redrive', 'work');
    expect(redriven).toMatchObject({ code: 0, stdout: 'Moved 2 dead letters from work-dlq back to work.\n' });
    expect(await messagesIn(testQueues.work.deadLetterUrl)).toBe(0);
    // Exactly the dead letters are back, as they were sent; received here with no visibility timeout,
    // so that they stay for the consumer.
    const { Messages: back = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: testQueues.work.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    expect(back.map((message) => message.Body).sort()).toEqual([...bodies].sort());

    startPoller();
    await eventually(async () => {
      const dependencies = await readInstanceDependencies(org, 'billing', 'prod', 'billing@late-1');
      expect(dependencies.map((dependency) => dependency.name)).toContain('plug');
    });
  });

  it('refuses a queue it does not know, naming the queues', async () => {
    const result = await cli('dlq', 'list', 'orders');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown queue orders: the queues are work');
    expect(await cli('dlq', 'redrive')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('dlq redrive needs a QUEUE'),
    });
  });
});

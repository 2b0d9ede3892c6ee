import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { QueuePoller } from '../../infra/local/queue-poller.ts';
import { consumedQueue } from '../../shared/resources.ts';
import { eventually } from '../support/eventually.ts';
import { heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { testQueues } from '../support/local-aws.ts';
import { receiveAll } from '../support/local-services.ts';

const sqs = new SQSClient({});
const poller = new QueuePoller({
  queue: consumedQueue('work'),
  url: testQueues.work.url,
  arn: testQueues.work.arn,
  visibilityTimeoutSeconds: 1,
});

afterAll(() => poller.stop());

describe('the local event source mapping', () => {
  it('applies good messages and moves a failing one to the dead-letter queue after maxReceiveCount', async () => {
    const org = uniqueOrg();
    const send = (body: unknown) =>
      sqs.send(new SendMessageCommand({ QueueUrl: testQueues.work.url, MessageBody: JSON.stringify(body) }));
    await send({ kind: 'heartbeat', id: 'poison', org, received_at: 'not a date', heartbeat: {} });
    await send({ kind: 'heartbeat', ...heartbeatMessage(org) });
    poller.start();

    await eventually(async () => {
      const dependencies = await readInstanceDependencies(org, 'billing', 'prod', 'billing@web-1');
      expect(dependencies.map((d) => d.name)).toContain('plug');
    });
    const deadLetters = await eventually(async () => {
      const bodies = await receiveAll('work', 'deadLetterUrl');
      expect(bodies).toHaveLength(1);
      return bodies;
    }, 30_000);
    expect(deadLetters[0]).toMatchObject({ id: 'poison', org });
  });
});

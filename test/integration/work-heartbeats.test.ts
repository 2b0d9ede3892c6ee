import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { capacityMeter } from '../../functions/lib/capacity-meter.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { usagePartition } from '../../shared/entities/usage.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { table } from '../../shared/resources.ts';
import { context, workEvent } from '../support/events.ts';
import { heartbeatMessage, sentRecently, uniqueOrg } from '../support/fixtures.ts';

async function deliver(...messages: HeartbeatMessage[]) {
  capacityMeter.reset();
  const response = await processWork(workEvent('heartbeat', messages), context);
  return { failures: response.batchItemFailures, units: capacityMeter.snapshot() };
}

const runtime = new Set(['otp', 'erts', 'elixir']);

/** The versions an instance's applications are stored at, leaving out its runtime (OTP, ERTS, Elixir). */
const versions = async (org: string, instance = 'billing@web-1') =>
  Object.fromEntries(
    (await readInstanceDependencies(org, 'billing', 'prod', instance))
      .filter((d) => !runtime.has(d.name))
      .map((d) => [d.name, d.version]),
  );

const head = async (org: string, instance = 'billing@web-1') =>
  (
    await documents.send(
      new GetCommand({ TableName: table.name, Key: instanceKey(org, 'billing', 'prod', instance) }),
    )
  ).Item;

const hour = (h: number) => `2026-11-29T${String(h).padStart(2, '0')}:00:00.000Z`;

describe('heartbeats on the work queue', () => {
  it('stores a new instance: its head, its classified dependencies and its usage rows', async () => {
    const org = uniqueOrg();
    const { failures } = await deliver(heartbeatMessage(org));
    expect(failures).toEqual([]);
    expect(await versions(org)).toEqual({
      kernel: '10.1.1',
      logger: '1.17.3',
      phoenix: '1.7.14',
      plug: '1.16.1',
    });
    const stored = await head(org);
    expect(stored).toMatchObject({ sent_at: sentRecently, runtime: { otp: '27.1.2' }, dependency_count: 4 });
    expect(stored).not.toHaveProperty('lease_owner');
    const index = await documents.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': usagePartition(org, 'kernel') },
      }),
    );
    expect(index.Items).toEqual([
      expect.objectContaining({
        app: 'billing',
        environment: 'prod',
        version: '10.1.1',
        ecosystem: 'otp',
        rank: 0,
        instance_count: 1,
        instances: ['billing@web-1'],
      }),
    ]);
    const appEnvironment = await documents.send(
      new GetCommand({ TableName: table.name, Key: appEnvironmentKey(org, 'billing', 'prod') }),
    );
    expect(appEnvironment.Item?.reported).toEqual({
      internet_facing: true,
      handles_pii: true,
      urls: ['https://billing.example.com'],
    });
  });

  it('costs at most one write unit for an unchanged heartbeat, and none within the last-seen interval', async () => {
    const org = uniqueOrg();
    await deliver(heartbeatMessage(org, { sent_at: hour(10) }, hour(10)));
    const touched = await deliver(heartbeatMessage(org, { sent_at: hour(11) }, hour(11)));
    expect(touched.units.write_units).toBeLessThanOrEqual(1);
    expect(touched.units.write_units).toBeGreaterThan(0);
    expect((await head(org))?.last_seen).toBe(hour(11));
    const coalesced = await deliver(
      heartbeatMessage(org, { sent_at: '2026-11-29T11:05:00Z' }, '2026-11-29T11:05:00Z'),
    );
    expect(coalesced.units.write_units).toBe(0);
    expect((await head(org))?.last_seen).toBe(hour(11));
  });

  it('writes only the dependencies that changed', async () => {
    const org = uniqueOrg();
    await deliver(heartbeatMessage(org, { sent_at: hour(10) }));
    const changed = await deliver(
      heartbeatMessage(org, {
        sent_at: hour(11),
        deps: [
          { name: 'plug', version: '1.16.2' },
          { name: 'phoenix', version: '1.7.14' },
          { name: 'kernel', version: '10.1.1' },
        ],
      }),
    );
    expect(await versions(org)).toEqual({ kernel: '10.1.1', phoenix: '1.7.14', plug: '1.16.2' });
    const first = await deliver(heartbeatMessage(uniqueOrg(), { sent_at: hour(10) }));
    expect(changed.units.write_units).toBeLessThan(first.units.write_units);
  });

  it('changes nothing for the same message twice', async () => {
    const org = uniqueOrg();
    const message = heartbeatMessage(org);
    await deliver(message);
    const before = await head(org);
    const again = await deliver(message);
    expect(again.failures).toEqual([]);
    expect(again.units.write_units).toBe(0);
    expect(await head(org)).toEqual(before);
  });

  it('never lets an older heartbeat overwrite a newer inventory', async () => {
    const org = uniqueOrg();
    await deliver(heartbeatMessage(org, { sent_at: hour(12), deps: [{ name: 'plug', version: '1.16.2' }] }));
    const older = await deliver(
      heartbeatMessage(org, { sent_at: hour(11), deps: [{ name: 'plug', version: '1.14.0' }] }),
    );
    expect(older.failures).toEqual([]);
    expect(older.units.write_units).toBe(0);
    expect(await versions(org)).toEqual({ plug: '1.16.2' });
    expect((await head(org))?.sent_at).toBe(hour(12));
  });

  it('applies deliveries of one instance in one batch in sent_at order, whatever order they come in', async () => {
    const org = uniqueOrg();
    const newest = heartbeatMessage(org, { sent_at: hour(13), deps: [{ name: 'plug', version: '1.16.3' }] });
    const middle = heartbeatMessage(org, { sent_at: hour(12), deps: [{ name: 'plug', version: '1.16.2' }] });
    const oldest = heartbeatMessage(org, { sent_at: hour(11), deps: [{ name: 'plug', version: '1.16.1' }] });
    const { failures } = await deliver(middle, newest, oldest);
    expect(failures).toEqual([]);
    expect(await versions(org)).toEqual({ plug: '1.16.3' });
  });

  it('reports a message that does not parse as a failure of that record only', async () => {
    const org = uniqueOrg();
    const good = heartbeatMessage(org);
    const event = workEvent('heartbeat', [good, '{"not":"a heartbeat"}']);
    const response = await processWork(event, context);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[1]!.messageId }]);
    expect(await versions(org)).toHaveProperty('plug', '1.16.1');
  });
});

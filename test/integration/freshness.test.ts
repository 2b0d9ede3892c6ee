import { BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { handler as apps } from '../../functions/apps.ts';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as lookup } from '../../functions/lookup.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { handler as askForSweeps } from '../../functions/retire-instances.ts';
import { readOrganizationItems } from '../../functions/stores/organization-store.ts';
import { handler as suppress } from '../../functions/suppress-finding.ts';
import { evaluateAppEnvironment } from '../../functions/use-cases/evaluate-app-environment.ts';
import { importAdvisories } from '../../functions/use-cases/import-advisories.ts';
import { retireSilentInstances } from '../../functions/use-cases/retire-instances.ts';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition, dependencyItem } from '../../shared/entities/dependency.ts';
import { type FindingItem, findingKeys } from '../../shared/entities/finding.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import type { Heartbeat, HeartbeatMessage } from '../../shared/heartbeat.ts';
import { queues, table } from '../../shared/resources.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveAlerts, receiveWork } from '../support/local-services.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';

/** A seam in the finding store: lets a test hold an evaluation between its reads and its write. */
let beforeFindingWrite: (writes: FindingItem[]) => Promise<void> = async () => {};
vi.mock('../../functions/stores/finding-store.ts', async (importOriginal) => {
  const store = await importOriginal<typeof import('../../functions/stores/finding-store.ts')>();
  return {
    ...store,
    writeFindingChanges: async (...args: Parameters<typeof store.writeFindingChanges>) => {
      await beforeFindingWrite(args[0]);
      return store.writeFindingChanges(...args);
    },
  };
});

/**
 * Findings follow deploys: instances that say goodbye stop counting at once, silent ones make their
 * findings stale, and nothing accepted on the way (a suppression, an alert) is lost.
 */

interface Report extends Partial<Heartbeat> {
  secondsAgo?: number;
}

function message(org: string, { secondsAgo = 60, ...heartbeat }: Report): HeartbeatMessage {
  return heartbeatMessage(org, { sent_at: recently(secondsAgo), ...heartbeat }, recently(secondsAgo - 1));
}

async function deliver(...messages: HeartbeatMessage[]) {
  return (await processWork(workEvent('heartbeat', messages), context)).batchItemFailures;
}

/** An instance that loads only the test's package: no runtime, so that no OTP advisory imported by another test file applies. */
const running = (org: string, instance: string, version: string, report: Report = {}) =>
  message(org, { instance, runtime: {}, deps: [{ name: packageName(org), version }], ...report });

const goodbye = (org: string, instance: string, version: string, secondsAgo = 10) =>
  running(org, instance, version, { stopping: true, secondsAgo });

async function detail(key: string) {
  const event = httpEvent({ path: '/v1/apps/billing/prod', key });
  event.pathParameters = { app: 'billing', environment: 'prod' };
  return bodyOf(await apps(event, context));
}

async function appsList(key: string) {
  return bodyOf(await apps(httpEvent({ path: '/v1/apps', key }), context)).apps;
}

const findingOf = async (key: string, id: string) =>
  (await detail(key)).findings.find((finding: { id: string }) => finding.id === id);

const storedFinding = async (org: string, id: string) =>
  (
    await documents.send(
      new GetCommand({
        TableName: table.name,
        Key: {
          pk: findingKeys(org, 'billing', 'prod', id).pk,
          sk: findingKeys(org, 'billing', 'prod', id).sk,
        },
        ConsistentRead: true,
      }),
    )
  ).Item;

describe('deploys', () => {
  it('closes the finding as the last vulnerable instance of a rolling deploy says goodbye, and the counts follow', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    const old = ['web-a1', 'web-a2', 'web-a3'];
    const fresh = ['web-b1', 'web-b2', 'web-b3'];
    expect(
      await deliver(...old.map((instance) => running(org, instance, '2.0.0', { secondsAgo: 120 }))),
    ).toEqual([]);
    expect(await findingOf(key, id)).toMatchObject({ status: 'open', instance_count: 3 });
    expect((await appsList(key))[0].vulnerabilities.runtime.critical).toBe(1);

    // The new release starts beside the old one, which then stops, one instance at a time.
    expect(
      await deliver(...fresh.map((instance) => running(org, instance, '2.0.1', { secondsAgo: 60 }))),
    ).toEqual([]);
    for (const [index, instance] of old.entries()) {
      expect(await deliver(goodbye(org, instance, '2.0.0', 30 - index))).toEqual([]);
      const finding = await findingOf(key, id);
      if (index < old.length - 1) {
        expect(finding).toMatchObject({ status: 'open', instance_count: old.length - index - 1 });
      } else {
        expect(finding).toMatchObject({ status: 'fixed', fixed_at: expect.any(String) });
      }
    }
    const [row] = await appsList(key);
    expect(row.instances).toEqual({ running: 3, stale: 0, stopped: 3 });
    expect(row.vulnerabilities.runtime.critical).toBe(0);

    const view = await detail(key);
    expect(
      view.instances.map((instance: { instance: string; status: string }) => [
        instance.instance,
        instance.status,
      ]),
    ).toEqual([...old.map((name) => [name, 'stopped']), ...fresh.map((name) => [name, 'running'])]);
    // A stopped instance is no drift: every live instance runs the fixed version.
    expect(view.drift).toEqual([]);
    const byPackage = bodyOf(
      await lookup(
        httpEvent({ path: '/v1/lookup', key, query: { package: packageName(org), version: '2.0.0' } }),
        context,
      ),
    );
    expect(byPackage.matches).toEqual([]);
  });

  it('keeps an instance stopped when a heartbeat sent before its goodbye arrives after it, and lets it report again', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    await deliver(running(org, 'web-1', '2.0.0', { secondsAgo: 120 }));
    expect(await findingOf(key, id)).toMatchObject({ status: 'open' });
    // SQS delivers out of order: the goodbye first, then a heartbeat sent before it.
    await deliver(goodbye(org, 'web-1', '2.0.0', 30));
    await deliver(running(org, 'web-1', '2.0.1', { secondsAgo: 60 }));
    expect(await findingOf(key, id)).toMatchObject({ status: 'fixed' });
    expect((await detail(key)).instances).toEqual([expect.objectContaining({ status: 'stopped' })]);
    // The agent's application started again in the same VM, under the same instance id.
    await deliver(running(org, 'web-1', '2.0.0', { secondsAgo: 20 }));
    expect(await findingOf(key, id)).toMatchObject({ status: 'open' });
    expect((await detail(key)).instances).toEqual([
      expect.objectContaining({ status: 'running', stopped_at: null }),
    ]);
  });

  it('stores a one-shot report as an instance that stopped at once, exposing nothing', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    expect(await deliver(goodbye(org, 'billing@ci-runner#x1', '2.0.0'))).toEqual([]);
    const view = await detail(key);
    expect(view.instances).toEqual([
      expect.objectContaining({ instance: 'billing@ci-runner#x1', status: 'stopped', dependency_count: 1 }),
    ]);
    expect(view.dependencies).toEqual([]);
    expect(view.findings.filter((finding: { id: string }) => finding.id === id)).toEqual([]);
    expect((await appsList(key))[0].instances).toEqual({ running: 0, stale: 0, stopped: 1 });
  });

  it('shows a finding whose exposed instances all went silent as stale, last confirmed by their last heartbeat, and not counted', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    const silentSince = 4 * 3600;
    await deliver(
      running(org, 'web-1', '2.0.0', { secondsAgo: silentSince }),
      running(org, 'web-2', '2.0.1', { secondsAgo: 60 }),
    );
    expect(await findingOf(key, id)).toMatchObject({ status: 'stale' });
    expect((await findingOf(key, id)).last_confirmed_at).toBe(
      (await detail(key)).instances.find((i: { instance: string }) => i.instance === 'web-1').last_seen,
    );
    const [row] = await appsList(key);
    expect(row.instances).toMatchObject({ running: 1, stale: 1 });
    expect(row.vulnerabilities.runtime.critical).toBe(0);
    // It reports again: confirmed, and counted.
    await deliver(running(org, 'web-1', '2.0.0', { secondsAgo: 30 }));
    expect(await findingOf(key, id)).toMatchObject({ status: 'open' });
    expect((await appsList(key))[0].vulnerabilities.runtime.critical).toBe(1);
  });

  it('asks for the evaluation of app-environments whose usage rows were never written, so lookups find them', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    await deliver(running(org, 'web-1', '2.0.0'));
    // As an app-environment stored before usage rows existed: no rows, no mark.
    const partition = appEnvironmentPartition(org, 'billing', 'prod');
    const { Items: rows = [] } = await documents.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :uses)',
        ExpressionAttributeValues: { ':pk': partition, ':uses': 'USES#' },
      }),
    );
    expect(rows.length).toBeGreaterThan(0);
    await documents.send(
      new BatchWriteCommand({
        RequestItems: {
          [table.name]: rows.map((row) => ({ DeleteRequest: { Key: { pk: row.pk, sk: row.sk } } })),
        },
      }),
    );
    await documents.send(
      new UpdateCommand({
        TableName: table.name,
        Key: appEnvironmentKey(org, 'billing', 'prod'),
        UpdateExpression: 'REMOVE usage_indexed',
      }),
    );
    const found = async () =>
      bodyOf(
        await lookup(
          httpEvent({ path: '/v1/lookup', key, query: { package: packageName(org), version: '2.0.0' } }),
          context,
        ),
      ).matches;
    expect(await found()).toEqual([]);
    await retireSilentInstances(org, new Date());
    const requests = (await receiveWork('evaluation')).filter(
      (request) => (request as { org: string }).org === org,
    );
    expect(requests).toEqual([{ org, app: 'billing', environment: 'prod' }]);
    expect((await processWork(workEvent('evaluation', requests), context)).batchItemFailures).toEqual([]);
    expect(await found()).toEqual([
      expect.objectContaining({ app: 'billing', environment: 'prod', version: '2.0.0' }),
    ]);
  });

  it('sweeps each organization from a message of its own, which the hourly schedule sends', async () => {
    const org = uniqueOrg();
    await keyFor(org, 'read');
    await deliver(goodbye(org, 'web-1', '2.0.0', 25 * 3600), running(org, 'web-2', '2.0.0'));
    const { organizations } = await askForSweeps();
    const sweeps = await receiveWork('sweep');
    expect(sweeps).toHaveLength(organizations);
    expect(sweeps.filter((sweep) => (sweep as { org: string }).org === org)).toEqual([{ org }]);
    // Nothing is retired until the sweep runs.
    const heads = async () =>
      (await readOrganizationItems(org)).instances.map((head) => head.instance).sort();
    expect(await heads()).toEqual(['web-1', 'web-2']);
    expect((await processWork(workEvent('sweep', [{ org }]), context)).batchItemFailures).toEqual([]);
    expect(await heads()).toEqual(['web-2']);
  });

  it('retires a stopped instance a day after its goodbye, with its dependency items', async () => {
    const org = uniqueOrg();
    await deliver(goodbye(org, 'web-1', '2.0.0', 25 * 3600), running(org, 'web-2', '2.0.0'));
    expect(await retireSilentInstances(org, new Date())).toBe(1);
    const left = await documents.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': appEnvironmentPartition(org, 'billing', 'prod') },
      }),
    );
    const dependencies = left.Items?.filter((item) => item.sk.startsWith('DEP#'));
    expect(new Set(dependencies?.map((item) => item.instance))).toEqual(new Set(['web-2']));
    expect(
      left.Items?.filter((item) => item.sk.startsWith('USES#')).map((item) => item.instances),
    ).toContainEqual(['web-2']);
  });
});

describe('nothing lost', () => {
  it('evaluates with an advisory changed since this container read the advisories of the package', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const name = packageName(org);
    const first = await criticalAdvisoryOf(name, '2.0.1');
    await deliver(running(org, 'web-1', '2.0.0', { secondsAgo: 120 }));
    expect(await findingOf(key, first)).toMatchObject({ status: 'open' });
    // A second advisory of the package is imported (by the sync, elsewhere); before its re-match,
    // a changed inventory is evaluated here, where the package's advisories were read before.
    const second = `GHSA-second-${name.replace(/_/g, '-')}`;
    await importAdvisories([
      {
        name: `${second}.json`,
        content: JSON.stringify({
          schema_version: '1.7.3',
          id: second,
          modified: new Date().toISOString(),
          summary: `Denial of service in ${name}`,
          database_specific: { severity: 'HIGH' },
          affected: [
            {
              package: { ecosystem: 'Hex', name },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.0' }] }],
            },
          ],
        }),
      },
    ]);
    await deliver(running(org, 'web-2', '2.0.0', { secondsAgo: 60 }));
    expect(await findingOf(key, first)).toMatchObject({ status: 'open', instance_count: 2 });
    expect(await findingOf(key, second)).toMatchObject({ status: 'open', instance_count: 2 });
  });

  it('keeps a suppression made while an evaluation of its app-environment is between reading and writing', async () => {
    const org = uniqueOrg();
    const admin = await keyFor(org, 'admin');
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    await deliver(running(org, 'web-1', '2.0.0', { secondsAgo: 300 }));
    const request = (method: 'POST' | 'DELETE') => {
      const event = httpEvent({
        method,
        path: `/v1/apps/billing/prod/findings/${id}/suppression`,
        key: admin,
        body:
          method === 'POST'
            ? { reason: 'not reachable', author: 'ana@acme.example', expires_at: recently(-86_400) }
            : undefined,
      });
      event.pathParameters = { app: 'billing', environment: 'prod', finding: id };
      return event;
    };
    for (const [round, method] of (['POST', 'DELETE'] as const).entries()) {
      // Hold the evaluation's write of this organization's findings until the suppression has been asked for.
      let writing: () => void = () => {};
      const reachedWrite = new Promise<void>((resolve) => {
        writing = resolve;
      });
      beforeFindingWrite = async (writes) => {
        if (!writes.some((finding) => finding.pk === `ORG#${org}`)) return;
        writing();
        await new Promise((resolve) => setTimeout(resolve, 400));
      };
      try {
        // A new instance changes the finding, so that the evaluation rewrites it.
        const delivery = deliver(running(org, `web-${round + 2}`, '2.0.0', { secondsAgo: 200 - round }));
        await reachedWrite;
        const response = await suppress(request(method), context);
        expect(response.statusCode).toBe(200);
        expect(await delivery).toEqual([]);
      } finally {
        beforeFindingWrite = async () => {};
      }
      const stored = await storedFinding(org, id);
      expect(stored?.instance_count).toBe(round + 2);
      if (method === 'POST') expect(stored?.suppression).toMatchObject({ reason: 'not reachable' });
      else expect(stored?.suppression).toBeUndefined();
    }
  });

  it('delivers an alert whose first delivery failed, once, from the finding that holds it', async () => {
    const org = uniqueOrg();
    const id = await criticalAdvisoryOf(packageName(org), '2.0.1');
    await receiveAlerts();
    const first = running(org, 'web-1', '2.0.0');
    const workQueue = process.env[queues.work.urlEnv]!;
    process.env[queues.work.urlEnv] = `${workQueue}-missing`;
    try {
      expect(await deliver(first)).toHaveLength(1);
    } finally {
      process.env[queues.work.urlEnv] = workQueue;
    }
    // The finding was written with its alert in the outbox; the alert is not lost with the delivery.
    expect(await storedFinding(org, id)).toMatchObject({ status: 'open', alert: { id: expect.any(String) } });
    expect((await receiveAlerts()).filter((alert) => alert.org === org)).toEqual([]);

    // SQS delivers the message again; then a duplicate of it.
    expect(await deliver(first)).toEqual([]);
    expect(await deliver(first)).toEqual([]);
    expect(await deliver(running(org, 'web-2', '2.0.0', { secondsAgo: 30 }))).toEqual([]);
    const alerts = await receiveAlerts();
    expect(alerts.filter((alert) => alert.org === org)).toEqual([
      expect.objectContaining({
        org,
        vulnerability: id,
        id: expect.stringContaining(`${org}/billing/prod/${id}/`),
      }),
    ]);
    const stored = await storedFinding(org, id);
    expect(stored).not.toHaveProperty('alert');
    expect(stored?.alerted_at).toEqual(expect.any(String));
  });

  it('keeps a finding of an app-environment of 5,000 instances far below the item limit: 100 listed, all counted', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'read');
    const name = packageName(org);
    const id = await criticalAdvisoryOf(name, '2.0.1');
    // The first instance through the consumer, the rest written directly with the consumer's item builders.
    await deliver(running(org, 'web-0000', '2.0.0'));
    const seen = recently(30);
    const requests = Array.from({ length: 4999 }, (_, i) => {
      const instance = `web-${String(i + 1).padStart(4, '0')}`;
      return [
        {
          PutRequest: {
            Item: {
              ...instanceKey(org, 'billing', 'prod', instance),
              app: 'billing',
              environment: 'prod',
              instance,
              sent_at: seen,
              last_seen: seen,
              inventory_hash: 'h',
              dependency_count: 1,
            },
          },
        },
        {
          PutRequest: {
            Item: dependencyItem(
              org,
              'billing',
              'prod',
              instance,
              { name, version: '2.0.0', ecosystem: 'hex', started: true },
              0,
            ),
          },
        },
      ];
    }).flat();
    const batches = Array.from({ length: Math.ceil(requests.length / 25) }, (_, i) =>
      requests.slice(i * 25, i * 25 + 25),
    );
    for (let i = 0; i < batches.length; i += 8) {
      await Promise.all(
        batches
          .slice(i, i + 8)
          .map((batch) => documents.send(new BatchWriteCommand({ RequestItems: { [table.name]: batch } }))),
      );
    }
    await evaluateAppEnvironment(org, 'billing', 'prod');
    const stored = await storedFinding(org, id);
    expect(stored?.instance_count).toBe(5000);
    expect(new Set(stored?.instances.map((row: { instance: string }) => row.instance)).size).toBe(100);
    expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(64 * 1024);
    const radius = bodyOf(
      await lookup(httpEvent({ path: '/v1/lookup', key, query: { advisory: id } }), context),
    );
    expect(radius.totals).toMatchObject({ app_environments: 1, instances: 5000 });
    expect(radius.matches[0]).toMatchObject({ instance_count: 5000 });
    // A row names its first few instances; the app-environment's detail lists the finding's 100.
    expect(radius.matches[0].instances).toHaveLength(3);
    expect((await findingOf(key, id)).instance_count).toBe(5000);
  }, 120_000);
});

describe('instance items', () => {
  it('carry a TTL on the head and on every dependency item, the dependencies outliving the head', async () => {
    const org = uniqueOrg();
    await deliver(running(org, 'web-1', '2.0.0', { runtime: { elixir: '1.17.3', otp: '27.1.2' } }));
    const head = (
      await documents.send(
        new GetCommand({ TableName: table.name, Key: instanceKey(org, 'billing', 'prod', 'web-1') }),
      )
    ).Item!;
    const dependencies = await documents.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': appEnvironmentPartition(org, 'billing', 'prod') },
      }),
    );
    expect(dependencies.Items?.length).toBeGreaterThan(1);
    for (const item of dependencies.Items ?? []) {
      expect(item.expires_at).toBe(head.dependencies_expire_at);
      expect(item.expires_at).toBeGreaterThan(head.expires_at);
    }
    expect(
      (
        await documents.send(
          new GetCommand({ TableName: table.name, Key: appEnvironmentKey(org, 'billing', 'prod') }),
        )
      ).Item,
    ).toBeDefined();
  });
});

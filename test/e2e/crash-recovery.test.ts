import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Endpoints } from '../../infra/local/local-stack.ts';
import type { AppEnvironmentDetail } from '../../shared/app-environment-detail.ts';
import { deadLetterQueueName, queues } from '../../shared/resources.ts';
import {
  freeStackPort,
  nodeArguments,
  root,
  type StackProcess,
  startStackProcess,
  stopStackProcess,
} from '../support/stack-process.ts';

/**
 * `npm start` killed with SIGKILL while its consumer is in the middle of a batch, twice, and started
 * again on the same data directory each time, while heartbeats keep coming: duplicates, and each
 * instance's heartbeats in shuffled sent_at order. Once the work queue is drained, every heartbeat that
 * was answered 202 is accounted for, by the id the answer gave: its instance shows it or a newer one
 * (reflected), or it is in the dead-letter queue, or a newer heartbeat of its instance is there, whose
 * redrive supersedes it.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'muster-crash-'));
let stack: StackProcess | undefined;
/** Every start of the stack, whose output a failure prints. */
const runs: StackProcess[] = [];

afterAll(async () => {
  if (stack) await stopStackProcess(stack.child, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const apps = ['billing', 'search', 'ledger'];
const environments = ['prod', 'staging'];
const instancesPerAppEnvironment = 4;
const heartbeatsPerInstance = 12;
/** Every fourth heartbeat is sent twice, the copy somewhere later in the stream. */
const duplicateEvery = 4;
/** Requests in flight at once, each sender pausing between its requests: about 40 a second in all. */
const senders = 4;
const pauseMs = 100;
/** Accepted heartbeats, since the stack last started, before each kill. */
const acceptedBeforeKills = [60, 40];
/** How long a received message stays invisible in the stack under test (the queue's own is 15 minutes). */
const visibilityTimeoutSeconds = 5;

interface Planned {
  app: string;
  environment: string;
  instance: string;
  /** Orders an instance's heartbeats: its sent_at, release version and crash_probe version follow it. */
  seq: number;
  body: Record<string, unknown>;
}

interface Accepted {
  id: string;
  heartbeat: Planned;
}

const instanceOf = ({ app, environment, instance }: Pick<Planned, 'app' | 'environment' | 'instance'>) =>
  `${app}/${environment}/${instance}`;

const seqOf = (version: string) => Number(version.split('.')[2]);

/** The dependencies the heartbeat of `seq` reports, by name. */
const dependenciesOf = (seq: number): Record<string, string> => ({
  crash_probe: `1.0.${seq}`,
  plug: `1.16.${seq % 3}`,
  kernel: '10.1.1',
  // Loaded every other heartbeat: a write removes dependency items as well as adding them.
  ...(seq % 2 === 0 ? { telemetry: '1.3.0' } : {}),
});

/** The names heartbeats report in `deps`; the detail lists the runtime (elixir, otp, erts) beside them. */
const reported = new Set(['crash_probe', 'plug', 'kernel', 'telemetry']);

/** A fixed sequence of pseudo-random numbers (mulberry32), so that every run sends the same stream. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Each instance's heartbeats, each a new inventory (so that each is written through the queue, none
 * coalesced at ingest), shuffled across instances and in time, with the duplicates among them.
 */
function heartbeatStream(): Planned[] {
  const base = Date.now() - 120_000;
  const planned: Planned[] = [];
  for (const app of apps)
    for (const environment of environments)
      for (let n = 1; n <= instancesPerAppEnvironment; n++)
        for (let seq = 1; seq <= heartbeatsPerInstance; seq++) {
          const instance = `${app}@${environment}-${n}`;
          planned.push({
            app,
            environment,
            instance,
            seq,
            body: {
              app,
              environment,
              instance,
              sent_at: new Date(base + seq * 1000).toISOString(),
              internet_facing: environment === 'prod',
              runtime: { elixir: '1.17.3', otp: '27.1.2', erts: '15.1.2' },
              release: { name: app, version: `1.0.${seq}` },
              deps: Object.entries(dependenciesOf(seq)).map(([name, version]) => ({ name, version })),
            },
          });
        }
  const next = random(16);
  const stream = planned.map((heartbeat) => ({ heartbeat, at: next() }));
  planned.forEach((heartbeat, index) => {
    if (index % duplicateEvery === 0) stream.push({ heartbeat, at: next() });
  });
  return stream.sort((a, b) => a.at - b.at).map(({ heartbeat }) => heartbeat);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the test saw of its requests: each 202 with its id, and the requests that got no answer. */
class Ingest {
  readonly accepted: Accepted[] = [];
  /** Requests cut off by a kill: their fate is unknown, and each is sent again after the restart. */
  readonly unanswered: Planned[] = [];

  constructor(
    private readonly pending: Planned[],
    private readonly key: string,
  ) {}

  get remaining(): number {
    return this.pending.length;
  }

  /** Sends from the stream until it is empty or the stack stops answering. */
  async send(api: string): Promise<void> {
    let down = false;
    await Promise.all(
      Array.from({ length: senders }, async () => {
        while (!down && this.pending.length > 0) {
          const heartbeat = this.pending.shift()!;
          let response: Response;
          try {
            response = await fetch(`${api}/v1/heartbeat`, {
              method: 'POST',
              headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
              body: JSON.stringify(heartbeat.body),
            });
          } catch {
            down = true;
            this.unanswered.push(heartbeat);
            this.pending.unshift(heartbeat);
            return;
          }
          const answer = await response.text();
          if (response.status === 429) {
            this.pending.unshift(heartbeat);
            await pause(Number(response.headers.get('retry-after') ?? 1) * 1000);
            continue;
          }
          if (response.status !== 202)
            throw new Error(`POST /v1/heartbeat answered ${response.status}: ${answer}`);
          this.accepted.push({ id: (JSON.parse(answer) as { id: string }).id, heartbeat });
          await pause(pauseMs);
        }
      }),
    );
  }
}

const localCredentials = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

async function withSqs<T>(endpoints: Endpoints, use: (sqs: SQSClient) => Promise<T>): Promise<T> {
  const sqs = new SQSClient({ endpoint: endpoints.sqs, ...localCredentials });
  try {
    return await use(sqs);
  } finally {
    sqs.destroy();
  }
}

async function queueDepth(sqs: SQSClient, url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesDelayed',
        'ApproximateNumberOfMessagesNotVisible',
      ],
    }),
  );
  return {
    visible:
      Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesDelayed),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** The leases held in the organization's partition: instance heads and app-environments being written. */
async function heldLeases(endpoints: Endpoints, org: string): Promise<number> {
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.dynamodb, ...localCredentials });
  try {
    const { Count = 0 } = await dynamodb.send(
      new QueryCommand({
        TableName: endpoints.table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'attribute_exists(lease_owner)',
        ExpressionAttributeValues: { ':pk': { S: `ORG#${org}` } },
        ConsistentRead: true,
      }),
    );
    return Count;
  } finally {
    dynamodb.destroy();
  }
}

async function get<T>(api: string, key: string, path: string): Promise<T> {
  const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

/** One instance as the API shows it: the seq of its release (0 without one) and its dependencies. */
interface ShownInstance {
  seq: number;
  dependencies: Record<string, string>;
}

/** Every app-environment's detail, by app/environment. */
async function appEnvironments(api: string, readKey: string): Promise<Map<string, AppEnvironmentDetail>> {
  const { apps: listed } = await get<{ apps: { app: string; environment: string }[] }>(
    api,
    readKey,
    '/v1/apps',
  );
  const details = new Map<string, AppEnvironmentDetail>();
  for (const { app, environment } of listed)
    details.set(`${app}/${environment}`, await get(api, readKey, `/v1/apps/${app}/${environment}`));
  return details;
}

function shownInstances(details: Map<string, AppEnvironmentDetail>): Map<string, ShownInstance> {
  const shown = new Map<string, ShownInstance>();
  for (const { app, environment, instances, dependencies } of details.values())
    for (const { instance, release } of instances) {
      const loaded = dependencies
        .filter(({ name }) => reported.has(name))
        .flatMap(({ name, versions }) =>
          versions
            .filter((entry) => entry.instances.includes(instance))
            .map(({ version }) => [name, version]),
        );
      shown.set(instanceOf({ app, environment, instance }), {
        seq: release ? seqOf(release.version) : 0,
        dependencies: Object.fromEntries(loaded),
      });
    }
  return shown;
}

interface KillPoint {
  accepted: number;
  queued: { visible: number; inFlight: number };
  leasesHeld: number;
  shown: Map<string, ShownInstance>;
}

/**
 * Kills the stack with SIGKILL while its consumer holds a lease, that is in the middle of writing a
 * batch, once at least `after` more heartbeats were accepted; the senders carry on meanwhile.
 */
async function killMidBatch(
  running: StackProcess,
  ingest: Ingest,
  org: string,
  readKey: string,
  after: number,
): Promise<KillPoint> {
  const { endpoints } = running;
  const start = ingest.accepted.length;
  const deadline = Date.now() + 30_000;
  return withSqs(endpoints, async (sqs) => {
    for (;;) {
      if (Date.now() > deadline) throw new Error('the consumer held no lease while heartbeats came in');
      if (ingest.accepted.length - start >= after) {
        const shown = shownInstances(await appEnvironments(endpoints.api, readKey));
        const queued = await queueDepth(sqs, endpoints.queues.work!);
        const leasesHeld = await heldLeases(endpoints, org);
        if (leasesHeld > 0) {
          running.child.kill('SIGKILL');
          return { accepted: ingest.accepted.length, queued, leasesHeld, shown };
        }
      }
      await pause(20);
    }
  });
}

/** Resolves once the work queue holds nothing, visible or in flight. */
function drained(running: StackProcess): Promise<void> {
  const deadline = Date.now() + 90_000;
  return withSqs(running.endpoints, async (sqs) => {
    for (;;) {
      const { visible, inFlight } = await queueDepth(sqs, running.endpoints.queues.work!);
      if (visible === 0 && inFlight === 0) return;
      if (Date.now() > deadline)
        throw new Error(`work queue not drained: ${visible} visible, ${inFlight} in flight`);
      await pause(250);
    }
  });
}

interface DeadLetter {
  id: string;
  kind: string;
  heartbeat: Planned['body'] & {
    app: string;
    environment: string;
    instance: string;
    release: { version: string };
  };
}

/** Every message of the work queue's dead-letter queue, each read once. */
function deadLetters(endpoints: Endpoints): Promise<DeadLetter[]> {
  const url = endpoints.queues[deadLetterQueueName(queues.work.name)]!;
  return withSqs(endpoints, async (sqs) => {
    const letters: DeadLetter[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
      );
      if (Messages.length === 0) break;
      letters.push(...Messages.map((message) => JSON.parse(message.Body!) as DeadLetter));
    }
    expect(await queueDepth(sqs, url)).toEqual({ visible: 0, inFlight: letters.length });
    return letters;
  });
}

describe('npm start killed with SIGKILL mid-batch and started again on its data directory', () => {
  it('accounts for every accepted heartbeat: reflected, or in the dead-letter queue, exactly', async () => {
    const environment: NodeJS.ProcessEnv = {
      ...process.env,
      MUSTER_DATA_DIR: dataDir,
      MUSTER_PORT: String(await freeStackPort()),
      MUSTER_DEMO: '0',
      MUSTER_VISIBILITY_TIMEOUT_SECONDS: String(visibilityTimeoutSeconds),
      // Each record that fails is logged with its reason (never its payload), for a failure to show.
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    onTestFailed(() => {
      for (const [index, run] of runs.entries()) console.log(`npm start, run ${index + 1}:\n${run.log()}`);
    });
    const endpointsFile = join(dataDir, 'endpoints.json');
    stack = await startStackProcess(environment);
    runs.push(stack);
    const endpointsText = readFileSync(endpointsFile, 'utf8');
    const org = `crash-${Date.now().toString(36)}`;
    const createKey = async (scope: string) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [...nodeArguments, 'infra/cli/muster.ts', 'keys', 'create', '--org', org, '--scope', scope],
        { cwd: root, env: environment },
      );
      return stdout.trim().split('\n').pop()!;
    };
    const ingestKey = await createKey('ingest');
    const readKey = await createKey('read');

    const stream = heartbeatStream();
    const ingest = new Ingest([...stream], ingestKey);
    const kills: KillPoint[] = [];
    for (const after of acceptedBeforeKills) {
      const sending = ingest.send(stack.endpoints.api);
      const kill = await killMidBatch(stack, ingest, org, readKey, after);
      kills.push(kill);
      await sending;
      await stopStackProcess(stack.child, 'SIGKILL');
      stack = await startStackProcess(environment);
      runs.push(stack);
      // The same addresses, the same keys, and what was applied before the kill is still there.
      expect(readFileSync(endpointsFile, 'utf8')).toBe(endpointsText);
      const shown = shownInstances(await appEnvironments(stack.endpoints.api, readKey));
      for (const [instance, { seq }] of kill.shown)
        expect(shown.get(instance)?.seq, instance).toBeGreaterThanOrEqual(seq);
    }
    await ingest.send(stack.endpoints.api);
    expect(ingest.remaining).toBe(0);
    await drained(stack);

    const letters = await deadLetters(stack.endpoints);
    const details = await appEnvironments(stack.endpoints.api, readKey);
    const shown = shownInstances(details);
    const acceptedIds = new Set(ingest.accepted.map(({ id }) => id));
    const unanswered = new Set(
      ingest.unanswered.map((heartbeat) => `${instanceOf(heartbeat)}#${heartbeat.seq}`),
    );
    const newestLettered = new Map<string, number>();
    for (const { id, kind, heartbeat } of letters) {
      const instance = instanceOf(heartbeat);
      const seq = seqOf(heartbeat.release.version);
      // A dead letter is a heartbeat that was answered 202, or one whose request the kill cut off.
      expect(kind).toBe('heartbeat');
      expect(acceptedIds.has(id) || unanswered.has(`${instance}#${seq}`), `${instance} #${seq}`).toBe(true);
      newestLettered.set(instance, Math.max(seq, newestLettered.get(instance) ?? 0));
    }

    const lettered = new Set(letters.map(({ id }) => id));
    const counts = { reflected: 0, deadLettered: 0, supersededByDeadLetter: 0 };
    const unaccounted: string[] = [];
    for (const { id, heartbeat } of ingest.accepted) {
      const instance = instanceOf(heartbeat);
      if (lettered.has(id)) counts.deadLettered++;
      else if (heartbeat.seq <= (shown.get(instance)?.seq ?? 0)) counts.reflected++;
      else if (heartbeat.seq <= (newestLettered.get(instance) ?? 0)) counts.supersededByDeadLetter++;
      else unaccounted.push(`${instance} #${heartbeat.seq} (${id}); shown #${shown.get(instance)?.seq}`);
    }
    expect(unaccounted).toEqual([]);

    // What each instance loads is what its shown heartbeat reported: a write cut off by a kill was
    // finished by its redelivery. Only a heartbeat still in the dead-letter queue may have its
    // dependencies written and its head not (the redrive writes the head).
    for (const [instance, { seq, dependencies }] of shown) {
      const newest = newestLettered.get(instance);
      if (newest === undefined) {
        expect(dependencies, instance).toEqual(dependenciesOf(seq));
      } else {
        const loaded = seqOf(dependencies.crash_probe ?? '1.0.0');
        expect(loaded, instance).toBeGreaterThanOrEqual(seq);
        expect(loaded, instance).toBeLessThanOrEqual(newest);
      }
    }
    // And what a lookup answers follows the dependencies, evaluated again after every kill.
    const { matches } = await get<{
      matches: { app: string; environment: string; version: string; instance_count: number }[];
    }>(
      stack.endpoints.api,
      readKey,
      `/v1/lookup?package=crash_probe&requirement=${encodeURIComponent('>= 0.0.0')}`,
    );
    const byVersion = (a: { version: string }, b: { version: string }) =>
      a.version.localeCompare(b.version, 'en', { numeric: true });
    for (const [appEnvironment, detail] of details) {
      if (detail.instances.some(({ instance }) => newestLettered.has(`${appEnvironment}/${instance}`)))
        continue;
      const probe = detail.dependencies.find(({ name }) => name === 'crash_probe')!;
      expect(
        matches
          .filter(({ app, environment }) => `${app}/${environment}` === appEnvironment)
          .map(({ version, instance_count }) => ({ version, count: instance_count }))
          .sort(byVersion),
        appEnvironment,
      ).toEqual(
        probe.versions
          .map(({ version, instances }) => ({ version, count: instances.length }))
          .sort(byVersion),
      );
    }

    // The stream was what it says: duplicates, and older heartbeats accepted after newer ones.
    const distinct = new Set(
      ingest.accepted.map(({ heartbeat }) => `${instanceOf(heartbeat)}#${heartbeat.seq}`),
    );
    expect(distinct.size).toBe(
      apps.length * environments.length * instancesPerAppEnvironment * heartbeatsPerInstance,
    );
    expect(ingest.accepted.length).toBeGreaterThan(distinct.size);
    const newestSoFar = new Map<string, number>();
    let outOfOrder = 0;
    for (const { heartbeat } of ingest.accepted) {
      const instance = instanceOf(heartbeat);
      if (heartbeat.seq < (newestSoFar.get(instance) ?? 0)) outOfOrder++;
      newestSoFar.set(instance, Math.max(heartbeat.seq, newestSoFar.get(instance) ?? 0));
    }
    expect(outOfOrder).toBeGreaterThan(0);
    console.log(
      `crash recovery: ${stream.length} requests, ${ingest.accepted.length} accepted (${distinct.size} distinct heartbeats, ${outOfOrder} out of order), ${ingest.unanswered.length} cut off by the kills; ${counts.reflected} reflected, ${counts.deadLettered} dead-lettered, ${counts.supersededByDeadLetter} superseded by a dead letter; kills after ${kills.map(({ accepted, queued, leasesHeld }) => `${accepted} accepted (${queued.visible} queued, ${queued.inFlight} in flight, ${leasesHeld} leases held)`).join(' and ')}`,
    );

    // After its crashes the stack still stops cleanly.
    expect(await stopStackProcess(stack.child, 'SIGINT')).toBe(0);
    stack = undefined;
  }, 150_000);
});

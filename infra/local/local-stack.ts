import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAdvisorySources } from '../../shared/advisory-sources.ts';
import {
  consumedQueues,
  deadLetterQueueName,
  payloadBucket,
  queues,
  schedules,
  table,
} from '../../shared/resources.ts';
import { buildDashboard } from '../dashboard/build.ts';
import { useLocalAws } from './aws-environment.ts';
import { type Gateway, startGateway } from './gateway.ts';
import { provisionPayloadBucket, provisionQueues, provisionTable, type QueueUrls } from './provision.ts';
import { QueuePoller, queuesDrained } from './queue-poller.ts';
import { LocalScheduler } from './scheduler.ts';
import { type LocalServers, startLocalServers } from './servers.ts';

/** The addresses a running local stack writes to `<data dir>/endpoints.json` for the CLI and tools. */
export interface Endpoints {
  api: string;
  dynamodb: string;
  sqs: string;
  s3: string;
  ses: string;
  table: string;
  queues: Record<string, string>;
}

export interface LocalStack {
  endpoints: Endpoints;
  queueUrls: QueueUrls;
  gateway: Gateway;
  scheduler: LocalScheduler;
  /** Resolves once every queue is empty, all its messages consumed (or after the timeout). */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Where state persists; in memory when absent. */
  dataDir?: string;
  /** HTTP port of the API; the local AWS servers take the three ports after it. 0 picks free ports. */
  port: number;
  /** Shorter visibility timeouts let tests watch retries and redrive without waiting minutes. */
  visibilityTimeoutSeconds?: number;
  /** Consumers poll their queues unless false (tests may deliver batches themselves). */
  pollQueues?: boolean;
  /** Advisory sources to sync, as `-c advisorySources` takes them; empty for none. */
  advisorySources: string;
  /** How often the advisory sync runs here (every ten minutes in AWS). */
  advisorySyncSeconds: number;
  /** The GitHub App that gives feedback on pull requests; none when absent. */
  gitHubApp?: LocalGitHubApp;
}

export interface LocalGitHubApp {
  appId: string;
  privateKeyPem: string;
  apiUrl: string;
}

/** Sets the environment each function reads, the same variables the CDK stack sets in AWS. */
function setFunctionEnvironment(queueUrls: QueueUrls, bucket: string, advisorySources: string): void {
  process.env.TABLE_NAME = table.name;
  process.env.ADVISORY_SOURCES = advisorySources;
  // Metrics are lines of the embedded metric format, for CloudWatch; here they would only be noise.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env[payloadBucket.envVariable] = bucket;
  for (const queue of Object.values(queues)) process.env[queue.urlEnv] = queueUrls[queue.name].url;
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // The local gateway speaks plain HTTP on loopback, over which a browser drops a Secure cookie.
  process.env.SESSION_COOKIE_SECURE = 'false';
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { dataDir, port } = options;
  // A mistyped source fails here, as it fails `cdk synth`, instead of at every sync.
  parseAdvisorySources(options.advisorySources);
  const servers: LocalServers = await startLocalServers({
    dataDir,
    ports: port === 0 ? {} : { dynamodb: port + 1, sqs: port + 2, ses: port + 3 },
  });
  useLocalAws(servers);
  await provisionTable(servers.dynamodb);
  const queueUrls = await provisionQueues(servers.sqs);
  setFunctionEnvironment(queueUrls, await provisionPayloadBucket(servers.s3), options.advisorySources);
  if (options.gitHubApp) {
    // As the stack sets them on AWS, except that the key is given itself rather than a secret's name.
    process.env.GITHUB_APP_ID = options.gitHubApp.appId;
    process.env.GITHUB_PRIVATE_KEY = options.gitHubApp.privateKeyPem;
    process.env.GITHUB_API_URL = options.gitHubApp.apiUrl;
  }

  const scheduler = new LocalScheduler(schedules, { 'sync-advisories': options.advisorySyncSeconds });
  // POST /_local/schedules/<name> runs a schedule now, with the request's JSON body as its event.
  const gateway = await startGateway(port, {
    extraRoutes: Object.fromEntries(
      schedules.map((schedule) => [
        `POST /_local/schedules/${schedule.name}`,
        (event: unknown) => scheduler.fire(schedule.name, event),
      ]),
    ),
    dashboard: await buildDashboard(),
  });
  // Unsubscribe links in emails point here, and their dashboard links to the dashboard the gateway
  // serves; the functions read both when they first load, after this.
  process.env.API_URL = gateway.url;
  process.env.DASHBOARD_URL ??= `${gateway.url}/`;
  const pollers = consumedQueues().map(
    (queue) =>
      new QueuePoller({
        queue,
        url: queueUrls[queue.name].url,
        arn: queueUrls[queue.name].arn,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      }),
  );
  if (options.pollQueues !== false) for (const poller of pollers) poller.start();
  scheduler.start();

  const endpoints: Endpoints = {
    api: gateway.url,
    dynamodb: servers.dynamodb,
    sqs: servers.sqs,
    s3: servers.s3,
    ses: servers.ses,
    table: table.name,
    queues: Object.fromEntries(
      Object.values(queues).flatMap((queue) => [
        [queue.name, queueUrls[queue.name].url],
        [deadLetterQueueName(queue.name), queueUrls[queue.name].deadLetterUrl],
      ]),
    ),
  };
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'endpoints.json'), `${JSON.stringify(endpoints, null, 2)}\n`);
  }
  return {
    endpoints,
    queueUrls,
    gateway,
    scheduler,
    drained: (timeoutMs = 30_000) =>
      queuesDrained(
        Object.values(queueUrls).map((queue) => queue.url),
        timeoutMs,
      ),
    async stop() {
      scheduler.stop();
      await gateway.close();
      await Promise.all(pollers.map((poller) => poller.stop()));
      await servers.stop();
    },
  };
}

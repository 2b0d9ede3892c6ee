import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultAdvisorySources } from '../../shared/advisory-sources.ts';
import type { Scope } from '../../shared/api-keys.ts';
import { demoFleet, demoScan } from './demo-fleet.ts';
import { type LocalGitHubApp, startLocalStack } from './local-stack.ts';

/**
 * `npm start`: Muster on this machine, against local DynamoDB, SQS and SES servers, with the same
 * handlers that run in AWS. State persists in the data directory across restarts.
 */

const dataDir = resolve(process.env.MUSTER_DATA_DIR ?? '.muster');
const port = Number(process.env.MUSTER_PORT ?? 3000);
const loadDemoFleet = process.env.MUSTER_DEMO !== '0';
const advisorySources = process.env.MUSTER_ADVISORY_SOURCES ?? defaultAdvisorySources;
// Often enough that an advisory published on a feed is an alert email within a minute.
const advisorySyncSeconds = Number(process.env.MUSTER_ADVISORY_SYNC_SECONDS ?? 30);
if (!(advisorySyncSeconds >= 1))
  throw new Error('MUSTER_ADVISORY_SYNC_SECONDS must be a number of seconds, at least 1');
// Unset, a message received when the process died comes back after the queue's 15 minutes, as from a
// Lambda function that crashed in AWS; a test of a crash sets it shorter so as to see the redelivery.
const visibilityTimeout = process.env.MUSTER_VISIBILITY_TIMEOUT_SECONDS;
const visibilityTimeoutSeconds = visibilityTimeout === undefined ? undefined : Number(visibilityTimeout);
if (visibilityTimeoutSeconds !== undefined && !(visibilityTimeoutSeconds >= 1))
  throw new Error('MUSTER_VISIBILITY_TIMEOUT_SECONDS must be a number of seconds, at least 1');
const demoFile = join(dataDir, 'demo.json');

/** The GitHub App that comments on pull requests, when MUSTER_GITHUB_APP_ID names one. */
function gitHubApp(): LocalGitHubApp | undefined {
  const appId = process.env.MUSTER_GITHUB_APP_ID;
  if (!appId) return undefined;
  const keyFile = process.env.MUSTER_GITHUB_PRIVATE_KEY_FILE;
  if (!keyFile || !existsSync(keyFile))
    throw new Error(
      'MUSTER_GITHUB_APP_ID needs MUSTER_GITHUB_PRIVATE_KEY_FILE: the App’s private key (a PEM file)',
    );
  return {
    appId,
    privateKeyPem: readFileSync(keyFile, 'utf8'),
    apiUrl: process.env.MUSTER_GITHUB_API_URL ?? 'https://api.github.com',
  };
}

interface DemoOrganization {
  org: string;
  keys: Record<Scope, string>;
}

async function createDemoOrganization(): Promise<DemoOrganization> {
  const { createApiKey } = await import('../../functions/stores/api-key-store.ts');
  const { setAlertRecipients, setSummaryRecipients } = await import(
    '../../functions/stores/organization-store.ts'
  );
  const org = 'demo';
  const keys = {} as Record<Scope, string>;
  for (const scope of ['ingest', 'ci', 'read', 'admin'] as const)
    keys[scope] = (await createApiKey(org, scope)).key;
  await setSummaryRecipients(org, ['security@demo.example']);
  await setAlertRecipients(org, ['oncall@demo.example']);
  return { org, keys };
}

async function post(url: string, key: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202)
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
}

async function sendDemoData(api: string, demo: DemoOrganization): Promise<void> {
  const sentAt = new Date().toISOString();
  for (const heartbeat of demoFleet)
    await post(`${api}/v1/heartbeat`, demo.keys.ingest, { ...heartbeat, sent_at: sentAt });
  await post(`${api}/v1/scans`, demo.keys.ci, demoScan);
}

async function main(): Promise<void> {
  const stack = await startLocalStack({
    dataDir,
    port,
    advisorySources,
    advisorySyncSeconds,
    visibilityTimeoutSeconds,
    gitHubApp: gitHubApp(),
  });
  const { endpoints } = stack;
  const firstStart = !existsSync(demoFile);
  let demo: DemoOrganization;
  if (firstStart) {
    demo = await createDemoOrganization();
    writeFileSync(demoFile, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
    if (loadDemoFleet) {
      await sendDemoData(endpoints.api, demo);
      // Once the consumers have stored the fleet, send the summary once so that the inbox shows one.
      await stack.drained();
      await stack.scheduler.fire('weekly-summary');
      await stack.drained();
    }
  } else {
    demo = JSON.parse(readFileSync(demoFile, 'utf8')) as DemoOrganization;
  }

  console.log(`
Muster is running locally.

  Dashboard      ${endpoints.api}/       (sign in with the read or admin key below)
  API            ${endpoints.api}        (try: curl ${endpoints.api}/health)
  SES inbox      ${endpoints.ses}        (alerts and weekly summaries land here; /store lists them)
  DynamoDB       ${endpoints.dynamodb}
  SQS and S3     ${endpoints.sqs}
  Data           ${dataDir}  (endpoints.json lists these addresses)

Demo organization "${demo.org}"${firstStart ? ' (created now)' : ''}, one key per scope:
${Object.entries(demo.keys)
  .map(([scope, key]) => `  ${scope.padEnd(7)} ${key}`)
  .join('\n')}

  curl -H "Authorization: Bearer ${demo.keys.read}" "${endpoints.api}/v1/lookup?package=plug&version=1.16.1"

Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Muster...');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SyncRun } from '../../functions/use-cases/sync-advisory-sources.ts';
import { organizationPattern, type Scope, scopes } from '../../shared/api-keys.ts';
import { isProduction } from '../../shared/environments.ts';
import type { LookupMatch, LookupResult, LookupTotals } from '../../shared/lookup.ts';
import type { SummaryNotification } from '../../shared/notifications.ts';
import { deadLetterQueueName, payloadBucket, type QueueName, queues } from '../../shared/resources.ts';
import type { Sbom } from '../../shared/sbom.ts';
import { type ScanTool, type Severity, scanTools } from '../../shared/scan-report.ts';
import { useLocalAws } from '../local/aws-environment.ts';
import type { Endpoints } from '../local/local-stack.ts';
import { type CiContext, ciContext } from './ci-environment.ts';
import { uploadBom } from './dependency-track.ts';
import { findingsAtOrAbove, gitContext, uploadScan } from './scan-upload.ts';

/**
 * `npm run muster -- <command>`: administration from a terminal. It talks to the local stack that
 * `npm start` runs (found through <data dir>/endpoints.json), or to a deployed stack's table when
 * MUSTER_TABLE_NAME is set and AWS credentials are available.
 */

const usage = `Usage: npm run muster -- <command>

  keys create --org ORG --scope ingest|ci|read|admin   create a key; prints it alone on the last line
  keys list --org ORG                                  list an organization's keys (never the keys themselves)
  keys revoke --org ORG --prefix PREFIX                revoke a key by the prefix shown in keys list
  orgs recipients --org ORG --email ADDRESS...         set who receives the weekly summary
  orgs alert-recipients --org ORG --email ADDRESS...   set who is emailed new critical or high findings on
                                                       production, internet-facing apps
  orgs webhook --org ORG --url URL                     post alerts to URL as well, signed; prints the signing
                                                       secret alone on the last line (--remove: stop posting)
  orgs github --org ORG --owner OWNER...               give pull-request feedback on the repositories of these
                                                       GitHub accounts only; an account is bound to one
                                                       organization (--remove: on none)
  summary send --org ORG [--force]                     send this week's summary now; each recipient gets it
                                                       once a week unless --force
  advisories import PATH...                            import advisories: OSV JSON, mix_audit YAML or CVE JSON 5
                                                       files, directories of them, zips (OSV exports) or URLs
  advisories sync [--full]                             sync the advisory sources now: what changed since the
                                                       last sync, or with --full every record again
  lookup PACKAGE REQUIREMENT [--csv]                   which apps run PACKAGE at versions matching an
                                                       Elixir requirement ('< 1.14.2', '~> 2.0', or a version):
                                                       totals first, then every app-environment, most exposed first
  lookup --advisory ID [--csv]                         an advisory's blast radius, by any of its ids
  sbom APP ENVIRONMENT [--out FILE]                    what APP's live instances in ENVIRONMENT run, and its
                                                       open findings, as a CycloneDX 1.6 SBOM: to stdout, or
                                                       to FILE with a line saying what it holds
  sbom APP ENVIRONMENT --dependency-track URL          upload it to the Dependency-Track server at URL instead
                                                       of printing it (--out writes it too), as project APP,
                                                       version ENVIRONMENT (or --project NAME, --project-version
                                                       VERSION), created when missing; prints the upload's token
  scan upload --app APP --tool TOOL FILE               upload a sobelow (JSON or SARIF), mix_audit (JSON) or
                                                       hex_audit (text) report; repository, commit, ref, pull
                                                       request and base come from GitHub Actions or GitLab CI
                                                       (or --repository, --commit, --ref, --pull-request,
                                                       --base-sha, --default-branch); --fail-on LEVEL exits 1
                                                       when the report has findings at or above LEVEL
  dlq list [QUEUE] [--json]                            the dead letters of QUEUE (${Object.keys(queues).join(', ')}), or of every
                                                       queue: message id, kind, receives, age and last error;
                                                       none is consumed
  dlq redrive QUEUE                                    move every dead letter of QUEUE back to QUEUE, to be
                                                       processed again; prints how many moved
  table restore --from TABLE                           copy every item of TABLE (a point-in-time restore of the
                                                       stack's table) back into the table, replacing items of
                                                       the same key; items whose TTL passed are left out

Environment: MUSTER_DATA_DIR (default .muster) finds the local stack; MUSTER_TABLE_NAME targets a
deployed table instead. lookup, sbom and scan upload use MUSTER_ENDPOINT and MUSTER_API_KEY (a read key
for lookup and sbom, a ci key for scan upload), else ~/.config/muster/config.json ({"endpoint": ...,
"api_key": ...}), else the local stack's demo key. sbom --dependency-track sends DEPENDENCY_TRACK_API_KEY,
a Dependency-Track API key with the BOM_UPLOAD permission (and PROJECT_CREATION_UPLOAD to create projects).
advisories import and sync against a deployed stack need WORK_QUEUE_URL too (the stack's WorkQueueUrl
output), and so do summary send and dlq (which finds each dead-letter queue through its queue's redrive
policy); sync reads the sources in MUSTER_ADVISORY_SOURCES (default: OSV's Hex directory and the EEF
CNA's CVE records).`;

class UsageError extends Error {}

interface ScanOptions {
  app?: string;
  tool?: string;
  repository?: string;
  commit?: string;
  ref?: string;
  'pull-request'?: string;
  'base-sha'?: string;
  'default-branch'?: string;
  'fail-on'?: string;
}

interface Options {
  org?: string;
  scope?: string;
  prefix?: string;
  email?: string[];
  url?: string;
  owner?: string[];
  remove?: boolean;
  force?: boolean;
}

function localEndpoints(): Endpoints | undefined {
  const file = join(resolve(process.env.MUSTER_DATA_DIR ?? '.muster'), 'endpoints.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Endpoints) : undefined;
}

/** Points the stores at the local stack or at the deployed table, before they are imported. */
function connect(): Endpoints | undefined {
  if (process.env.MUSTER_TABLE_NAME) {
    process.env.TABLE_NAME = process.env.MUSTER_TABLE_NAME;
    return undefined;
  }
  const endpoints = localEndpoints();
  if (!endpoints) {
    throw new UsageError(
      'No Muster found: start one with `npm start` (or set MUSTER_DATA_DIR to its data directory), or set MUSTER_TABLE_NAME to use a deployed stack.',
    );
  }
  useLocalAws(endpoints);
  process.env.TABLE_NAME = endpoints.table;
  process.env[payloadBucket.envVariable] = payloadBucket.name;
  for (const queue of Object.values(queues)) {
    const url = endpoints.queues[queue.name];
    if (url) process.env[queue.urlEnv] = url;
  }
  return endpoints;
}

function requireOption(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

function organization(value: string | undefined): string {
  const org = requireOption(value, 'org');
  if (!organizationPattern.test(org))
    throw new UsageError('--org must be 1-63 characters of a-z, 0-9, _ and -');
  return org;
}

async function keys(action: string | undefined, options: Options) {
  connect();
  const store = await import('../../functions/stores/api-key-store.ts');
  const org = organization(options.org);
  if (action === 'create') {
    const scope = requireOption(options.scope, 'scope') as Scope;
    if (!scopes.includes(scope)) throw new UsageError(`--scope must be one of ${scopes.join(', ')}`);
    const { key, record } = await store.createApiKey(org, scope);
    console.log(
      `Created a ${scope} key for ${org} (prefix ${record.prefix}). It is shown once; store it now:`,
    );
    console.log(key);
  } else if (action === 'list') {
    const records = await store.listApiKeys(org);
    console.log('prefix    scope   created                   last used                 revoked');
    for (const r of records) {
      console.log(
        [
          r.prefix,
          r.scope.padEnd(7),
          r.created_at.padEnd(25),
          (r.last_used_at ?? '-').padEnd(25),
          r.revoked_at ?? '-',
        ].join(' '),
      );
    }
  } else if (action === 'revoke') {
    const prefix = requireOption(options.prefix, 'prefix');
    if (!(await store.revokeApiKey(org, prefix)))
      throw new UsageError(`${org} has no key with prefix ${prefix}`);
    console.log(`Revoked key ${prefix} of ${org}; it stops working within a minute.`);
  } else {
    throw new UsageError(`unknown keys command: ${action ?? '(none)'}`);
  }
}

/** The --email addresses, each once, or a usage error naming what is wrong. */
async function recipients(emails: string[] | undefined): Promise<string[]> {
  const { parseRecipients } = await import('../../shared/notification-settings.ts');
  try {
    return parseRecipients({ emails: emails ?? [] });
  } catch (error) {
    throw new UsageError(`--email ${(error as Error).message}`);
  }
}

async function orgs(action: string | undefined, options: Options) {
  const org = organization(options.org);
  connect();
  const store = await import('../../functions/stores/organization-store.ts');
  if (action === 'recipients') {
    const emails = await recipients(options.email);
    await store.setSummaryRecipients(org, emails);
    console.log(`Weekly summary of ${org} goes to: ${emails.join(', ') || 'nobody'}`);
  } else if (action === 'alert-recipients') {
    const emails = await recipients(options.email);
    await store.setAlertRecipients(org, emails);
    console.log(`Alerts of ${org} go to: ${emails.join(', ') || 'nobody'}`);
  } else if (action === 'webhook') {
    if (options.remove) {
      await store.removeWebhook(org);
      console.log(`Alerts of ${org} are posted to no webhook.`);
      return;
    }
    const { parseWebhook } = await import('../../shared/notification-settings.ts');
    const { newWebhookSecret } = await import('../../shared/webhook.ts');
    let url: string;
    try {
      url = parseWebhook({ url: requireOption(options.url, 'url') });
    } catch (error) {
      throw new UsageError(`--url ${(error as Error).message}`);
    }
    const secret = newWebhookSecret();
    await store.setWebhook(org, url, secret, new Date());
    console.log(
      `Alerts of ${org} are posted to ${url}, signed with this secret (X-Muster-Signature: sha256=HMAC of the body). It is shown once; store it now:`,
    );
    console.log(secret);
  } else if (action === 'github') {
    if (Boolean(options.remove) === Boolean(options.owner))
      throw new UsageError('orgs github needs --owner (one or more), or --remove alone');
    const { gitHubOwner } = await import('../../shared/github-owners.ts');
    let owners: string[];
    try {
      owners = (options.owner ?? []).map(gitHubOwner);
    } catch (error) {
      throw new UsageError(`--${(error as Error).message}`);
    }
    const { bindGitHubOwners } = await import('../../functions/stores/github-owner-store.ts');
    const binding = await bindGitHubOwners(org, owners);
    console.log(
      `Pull-request feedback of ${org} goes to the repositories of: ${binding.owners.join(', ') || 'no GitHub account'}`,
    );
    if (binding.unbound.length > 0) console.log(`Unbound: ${binding.unbound.join(', ')}`);
  } else {
    throw new UsageError(`unknown orgs command: ${action ?? '(none)'}`);
  }
}

/** Connects to the deployed table and the named queues, or to the local stack. */
function connectWithQueues(names: QueueName[]): void {
  if (!process.env.MUSTER_TABLE_NAME) {
    connect();
    return;
  }
  process.env.TABLE_NAME = process.env.MUSTER_TABLE_NAME;
  for (const { name, urlEnv } of names.map((queue) => queues[queue])) {
    if (!process.env[urlEnv])
      throw new UsageError(
        `with MUSTER_TABLE_NAME, set ${urlEnv} too (the stack's ${name[0]!.toUpperCase()}${name.slice(1)}QueueUrl output)`,
      );
  }
}

const connectWithWorkQueue = () => connectWithQueues(['work']);

const counted = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

function printSyncRun(run: SyncRun): void {
  if (run.skipped) {
    console.log('Another sync is running; it syncs every source. Try again when it is done.');
    return;
  }
  if (run.sources.length === 0) console.log('No advisory sources are configured.');
  for (const result of run.sources) {
    if (result.outcome === 'failed') {
      console.error(`${result.source}: failed, nothing changed: ${result.error}`);
      process.exitCode = 1;
      continue;
    }
    console.log(
      result.outcome === 'unchanged'
        ? `${result.source}: unchanged since the last sync`
        : `${result.source}: ${counted(result.fetched, 'record')} read, ${counted(result.changed.length, 'vulnerability', 'vulnerabilities')} new or changed (queued for matching), ${counted(result.withdrawn.length, 'record')} withdrawn`,
    );
    for (const { record, reason } of [...result.rejected, ...result.failedDownloads])
      console.error(`  left out ${record}: ${reason}`);
  }
}

/**
 * Locally, the running stack syncs (with its own sources); against AWS, this process does, with
 * MUSTER_ADVISORY_SOURCES or the default sources, as the scheduled function would.
 */
async function syncAdvisories(full: boolean) {
  const endpoints = process.env.MUSTER_TABLE_NAME ? undefined : localEndpoints();
  if (endpoints) {
    const response = await fetch(`${endpoints.api}/_local/schedules/sync-advisories`, {
      method: 'POST',
      body: JSON.stringify({ full }),
    });
    if (!response.ok)
      throw new Error(`the local stack answered ${response.status}: ${await response.text()}`);
    printSyncRun((await response.json()) as SyncRun);
    return;
  }
  connectWithWorkQueue();
  const { defaultAdvisorySources, parseAdvisorySources } = await import('../../shared/advisory-sources.ts');
  const { syncAdvisorySources } = await import('../../functions/use-cases/sync-advisory-sources.ts');
  const sources = parseAdvisorySources(process.env.MUSTER_ADVISORY_SOURCES ?? defaultAdvisorySources);
  printSyncRun(await syncAdvisorySources(sources, { full }));
}

async function advisories(action: string | undefined, paths: string[], full: boolean) {
  if (action === 'sync') return syncAdvisories(full);
  if (action !== 'import') throw new UsageError(`unknown advisories command: ${action ?? '(none)'}`);
  if (paths.length === 0) throw new UsageError('advisories import needs at least one PATH');
  connectWithWorkQueue();
  const { readAdvisorySource } = await import('../../functions/lib/advisory-files.ts');
  const { importAdvisories } = await import('../../functions/use-cases/import-advisories.ts');
  const files = (await Promise.all(paths.map((path) => readAdvisorySource(path)))).flat();
  const result = await importAdvisories(files);
  console.log(
    `Read ${result.files} files: ${result.vulnerabilities} vulnerabilities, ${result.changed.length} new or changed, queued for matching.`,
  );
  // Records that share an id are one flaw by definition; those merged for their content are listed.
  const byContent = result.merged.filter((merge) => merge.by === 'content');
  if (result.merged.length > 0) {
    console.log(
      `Merged ${result.merged.length} records into the vulnerabilities they describe: ${result.merged.length - byContent.length} sharing an id, ${byContent.length} by their content${byContent.length > 0 ? ':' : '.'}`,
    );
  }
  for (const merge of byContent) {
    console.log(`  ${merge.vulnerability}: ${merge.records.join(' + ')} (${merge.reason})`);
  }
  for (const error of result.errors) console.error(`  could not read ${error.file}: ${error.reason}`);
  if (result.errors.length > 0) process.exitCode = 1;
}

/** Asks for an organization's summary of this week, which the work consumer sends within seconds. */
async function summary(action: string | undefined, options: Options) {
  if (action !== 'send') throw new UsageError(`unknown summary command: ${action ?? '(none)'}`);
  const org = organization(options.org);
  connectWithWorkQueue();
  const { readOrganization } = await import('../../functions/stores/organization-store.ts');
  const { enqueueWork } = await import('../../functions/lib/queue.ts');
  const { isoWeek } = await import('../../shared/weekly-summary.ts');
  const found = await readOrganization(org);
  if (!found) throw new UsageError(`no organization ${org}`);
  if (found.summary_recipients.length === 0)
    throw new UsageError(`${org} has no summary recipients: set them with orgs recipients`);
  const week = isoWeek(new Date());
  const notification: SummaryNotification = {
    kind: 'summary',
    org,
    week,
    ...(options.force ? { force: true } : {}),
  };
  await enqueueWork(notification);
  console.log(
    options.force
      ? `Sending the ${week} summary of ${org} to ${counted(found.summary_recipients.length, 'recipient')}, again to those who have it.`
      : `Sending the ${week} summary of ${org} to those of its ${counted(found.summary_recipients.length, 'recipient')} who do not have it yet (--force sends it again).`,
  );
}

function queueNamed(name: string): QueueName {
  if (!Object.hasOwn(queues, name))
    throw new UsageError(`unknown queue ${name}: the queues are ${Object.keys(queues).join(', ')}`);
  return name as QueueName;
}

/**
 * Lists the dead letters of one queue or of all, or moves one queue's back. The dead-letter queue is
 * the one the queue's redrive policy names, so only the queue's URL is needed.
 */
async function dlq(action: string | undefined, queue: string | undefined, json: boolean) {
  if (action !== 'list' && action !== 'redrive')
    throw new UsageError(`unknown dlq command: ${action ?? '(none)'}`);
  if (action === 'redrive' && queue === undefined)
    throw new UsageError(`dlq redrive needs a QUEUE: ${Object.keys(queues).join(', ')}`);
  const names = queue === undefined ? (Object.keys(queues) as QueueName[]) : [queueNamed(queue)];
  connectWithQueues(names);
  const { sqs } = await import('../../functions/lib/sqs.ts');
  const deadLetters = await import('./dead-letters.ts');
  const sourceUrl = (name: QueueName) => process.env[queues[name].urlEnv]!;
  if (action === 'redrive') {
    const name = names[0]!;
    const result = await deadLetters.redriveDeadLetters(
      sqs,
      await deadLetters.deadLetterQueueUrl(sqs, sourceUrl(name)),
      sourceUrl(name),
    );
    console.log(
      `Moved ${counted(result.moved, 'dead letter')} from ${deadLetterQueueName(name)} back to ${name}.`,
    );
    if (result.unsent > 0) {
      console.error(
        `${counted(result.unsent, 'message')} could not be sent to ${name} and stay in ${deadLetterQueueName(name)}: run dlq redrive again.`,
      );
      process.exitCode = 1;
    }
    if (result.undeleted > 0)
      console.error(
        `${counted(result.undeleted, 'message')} went back to ${name} but could not be deleted from ${deadLetterQueueName(name)}: the next redrive sends them again, which processing tolerates.`,
      );
    return;
  }
  const now = new Date();
  const listed = [];
  for (const name of names) {
    const letters = await deadLetters.listDeadLetters(
      sqs,
      await deadLetters.deadLetterQueueUrl(sqs, sourceUrl(name)),
    );
    if (json) {
      listed.push(
        ...letters.map((letter) => ({
          queue: name,
          ...letter,
          kind: letter.kind ?? null,
          last_failure: letter.last_failure ?? null,
        })),
      );
      continue;
    }
    console.log(
      `${deadLetterQueueName(name)}: ${letters.length === 0 ? 'no dead letters' : counted(letters.length, 'dead letter')}`,
    );
    if (letters.length > 0) console.log(`${deadLetters.deadLetterTable(letters, now).join('\n')}\n`);
  }
  if (json) console.log(JSON.stringify(listed, null, 2));
}

/** The parts of a lookup's answer that the terminal shows (see shared/lookup.ts). */
type LookupAnswer = Pick<LookupResult, 'matches' | 'totals' | 'next_cursor'>;

/**
 * Which API to call and with which key: MUSTER_ENDPOINT and MUSTER_API_KEY, else the config file
 * (~/.config/muster/config.json: {"endpoint": ..., "api_key": ...}), else the local stack's demo key of
 * the scope the command needs.
 */
function apiTarget(command: string, scope: 'read' | 'ci'): { endpoint: string; key: string } {
  const file = join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'muster', 'config.json');
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { endpoint?: string; api_key?: string })
    : {};
  const local = localEndpoints();
  const demoFile = join(resolve(process.env.MUSTER_DATA_DIR ?? '.muster'), 'demo.json');
  const demoKey =
    local && existsSync(demoFile)
      ? (JSON.parse(readFileSync(demoFile, 'utf8')) as { keys: Record<Scope, string> }).keys[scope]
      : undefined;
  const endpoint = process.env.MUSTER_ENDPOINT ?? saved.endpoint ?? local?.api;
  const key = process.env.MUSTER_API_KEY ?? saved.api_key ?? demoKey;
  if (!endpoint || !key) {
    throw new UsageError(
      `${command} needs MUSTER_ENDPOINT and MUSTER_API_KEY (a ${scope} key), or ${file}, or a local stack`,
    );
  }
  return { endpoint, key };
}

/**
 * A GET of the API, or its error as `<status>: <message>`. A 303 to a download (a large CSV or SBOM) is
 * followed without the key: fetch drops it on the way to another origin.
 */
async function apiGet(url: URL, key: string): Promise<Response> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message: string } };
    const fallback = response.redirected ? 'the download failed' : 'request failed';
    throw new Error(`${response.status}: ${body.error?.message ?? fallback}`);
  }
  return response;
}

function fetchLookup(endpoint: string, key: string, parameters: Record<string, string>) {
  const url = new URL('/v1/lookup', endpoint);
  url.search = new URLSearchParams(parameters).toString();
  return apiGet(url, key);
}

const exposureOf = (match: LookupMatch): string =>
  [
    isProduction(match.environment) ? 'production' : '',
    match.internet_facing ? 'internet' : '',
    match.handles_pii ? 'pii' : '',
  ]
    .filter(Boolean)
    .join(',') || '-';

function printTotals(what: string, totals: LookupTotals): void {
  const { production_internet_facing: exposed, production, other } = totals.by_exposure;
  console.log(
    `${what}: ${totals.app_environments} app-environments, ${totals.instances} instances` +
      ` (production and internet-facing: ${exposed.app_environments} / ${exposed.instances};` +
      ` production: ${production.app_environments} / ${production.instances};` +
      ` other: ${other.app_environments} / ${other.instances})\n`,
  );
}

/** Totals first, then every row, most exposed first, a page at a time. */
async function lookup(
  name: string | undefined,
  requirement: string | undefined,
  options: { csv: boolean; advisory?: string },
) {
  const query: Record<string, string> = options.advisory
    ? { advisory: options.advisory }
    : name && requirement
      ? { package: name, requirement }
      : {};
  if (Object.keys(query).length === 0) {
    throw new UsageError('lookup needs PACKAGE and a VERSION or REQUIREMENT, or --advisory ID');
  }
  const { endpoint, key } = apiTarget('lookup', 'read');
  if (options.csv) {
    process.stdout.write(await (await fetchLookup(endpoint, key, { ...query, format: 'csv' })).text());
    return;
  }
  const header = ['APP/ENV', 'EXPOSURE', 'PACKAGE', 'VERSION', 'INSTANCES', 'E.G.'];
  let cursor: string | null = null;
  let first = true;
  do {
    const answer = (await (
      await fetchLookup(endpoint, key, { ...query, ...(cursor ? { cursor } : {}) })
    ).json()) as LookupAnswer;
    if (first) printTotals(options.advisory ?? `${name} ${requirement}`, answer.totals);
    const rows = answer.matches.map((match) => [
      `${match.app}/${match.environment}`,
      exposureOf(match),
      match.package,
      match.version,
      `${match.instance_count}${match.drift ? ' (drift)' : ''}`,
      match.instances.map((instance) => instance.instance).join(' '),
    ]);
    const widths = header.map((title, column) =>
      Math.max(title.length, ...rows.map((row) => row[column]!.length)),
    );
    for (const row of first ? [header, ...rows] : rows)
      console.log(
        row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      );
    first = false;
    cursor = answer.next_cursor;
  } while (cursor !== null);
}

interface SbomOptions {
  out?: string;
  'dependency-track'?: string;
  project?: string;
  'project-version'?: string;
}

/** A Dependency-Track project name or version as given, or a usage error: Dependency-Track refuses blank ones. */
function projectField(value: string, option: string): string {
  if (value.trim() === '') throw new UsageError(`--${option} must not be blank`);
  return value;
}

/**
 * An app-environment's SBOM, byte for byte as the API answers it (a large one through the download its
 * 303 names), written to a file or stdout, or uploaded to Dependency-Track, or both.
 */
async function sbom(app: string | undefined, environment: string | undefined, options: SbomOptions) {
  if (!app || !environment) throw new UsageError('sbom needs APP and ENVIRONMENT');
  const server = options['dependency-track'];
  if (server === undefined && (options.project !== undefined || options['project-version'] !== undefined))
    throw new UsageError('--project and --project-version go with --dependency-track');
  if (server !== undefined && !(URL.canParse(server) && /^https?:$/.test(new URL(server).protocol)))
    throw new UsageError('--dependency-track must be the http(s) URL of a Dependency-Track server');
  const dependencyTrackKey = process.env.DEPENDENCY_TRACK_API_KEY;
  if (server !== undefined && !dependencyTrackKey)
    throw new UsageError('--dependency-track needs DEPENDENCY_TRACK_API_KEY, a Dependency-Track API key');
  const project = {
    name: projectField(options.project ?? app, 'project'),
    version: projectField(options['project-version'] ?? environment, 'project-version'),
  };
  const { endpoint, key } = apiTarget('sbom', 'read');
  const url = new URL(
    `/v1/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}/sbom`,
    endpoint,
  );
  const document = Buffer.from(await (await apiGet(url, key)).arrayBuffer());
  if (options.out !== undefined) {
    const { components, vulnerabilities } = JSON.parse(document.toString('utf8')) as Sbom;
    writeFileSync(options.out, document);
    console.log(
      `Wrote ${app}/${environment}: ${counted(components.length, 'component')}, ${counted(vulnerabilities.length, 'vulnerability', 'vulnerabilities')} to ${options.out}`,
    );
  } else if (server === undefined) {
    process.stdout.write(document);
  }
  if (server !== undefined) {
    const token = await uploadBom({ server, apiKey: dependencyTrackKey!, document, project });
    console.log(
      `Dependency-Track accepted ${app}/${environment} as project ${project.name} version ${project.version} (token ${token})`,
    );
  }
}

const severityLevels = ['critical', 'high', 'medium', 'low'] as const;

async function scan(action: string | undefined, file: string | undefined, options: ScanOptions) {
  if (action !== 'upload') throw new UsageError('scan needs an action: upload');
  const app = requireOption(options.app, 'app');
  const tool = requireOption(options.tool, 'tool');
  if (!scanTools.includes(tool as ScanTool))
    throw new UsageError(`--tool must be one of ${scanTools.join(', ')}`);
  if (!file) throw new UsageError('scan upload needs the report FILE');
  const failOn = options['fail-on'];
  if (failOn !== undefined && !severityLevels.includes(failOn as Severity))
    throw new UsageError(`--fail-on must be one of ${severityLevels.join(', ')}`);
  const fromCi = ciContext(process.env);
  const given = {
    repository: options.repository,
    commit_sha: options.commit,
    ref: options.ref,
    pull_request: options['pull-request'] === undefined ? undefined : Number(options['pull-request']),
    base_sha: options['base-sha'],
    default_branch: options['default-branch'],
  };
  const context: CiContext = {
    ...(fromCi.commit_sha ? fromCi : { ...gitContext(), ...fromCi }),
    ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
  };
  if (!context.commit_sha)
    throw new UsageError('no commit found: run in CI or a git checkout, or give --commit');
  const { endpoint, key } = apiTarget('scan upload', 'ci');
  const answer = await uploadScan({
    endpoint,
    key,
    app,
    tool: tool as ScanTool,
    report: readFileSync(file, 'utf8'),
    context,
  });
  const counts = severityLevels
    .filter((severity) => answer.counts[severity] > 0)
    .map((severity) => `${answer.counts[severity]} ${severity}`);
  console.log(
    `${tool}: ${answer.findings} findings${counts.length ? ` (${counts.join(', ')})` : ''} uploaded as ${answer.id}`,
  );
  if (failOn !== undefined) {
    const failing = findingsAtOrAbove(answer.counts, failOn as Severity);
    if (failing > 0) {
      console.error(`${failing} findings at or above ${failOn}`);
      process.exitCode = 1;
    }
  }
}

/** The last step of a point-in-time recovery, which AWS restores into a new table (docs/operations.md). */
async function table(action: string | undefined, from: string | undefined) {
  if (action !== 'restore') throw new UsageError(`unknown table command: ${action ?? '(none)'}`);
  const source = requireOption(from, 'from');
  connect();
  const target = process.env.TABLE_NAME!;
  if (source === target) throw new UsageError('--from names the table itself: give the restored table');
  const { copyTable } = await import('../../functions/stores/table-copy.ts');
  const copy = await copyTable(source, target, new Date(), ({ copied }) =>
    process.stderr.write(`${copied} items copied\r`),
  );
  console.log(
    `Copied ${counted(copy.copied, 'item')} from ${source} into ${target}; left out ${counted(copy.expired, 'expired item')}.`,
  );
}

async function main(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      scope: { type: 'string' },
      prefix: { type: 'string' },
      email: { type: 'string', multiple: true },
      url: { type: 'string' },
      owner: { type: 'string', multiple: true },
      remove: { type: 'boolean' },
      force: { type: 'boolean' },
      csv: { type: 'boolean' },
      advisory: { type: 'string' },
      full: { type: 'boolean' },
      app: { type: 'string' },
      tool: { type: 'string' },
      repository: { type: 'string' },
      commit: { type: 'string' },
      ref: { type: 'string' },
      'pull-request': { type: 'string' },
      'base-sha': { type: 'string' },
      'default-branch': { type: 'string' },
      'fail-on': { type: 'string' },
      json: { type: 'boolean' },
      from: { type: 'string' },
      out: { type: 'string' },
      'dependency-track': { type: 'string' },
      project: { type: 'string' },
      'project-version': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, action, extra, ...more] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  if (command === 'keys') await keys(action, values);
  else if (command === 'orgs') await orgs(action, values);
  else if (command === 'summary') await summary(action, values);
  else if (command === 'advisories')
    await advisories(
      action,
      [extra, ...more].filter((p): p is string => !!p),
      values.full ?? false,
    );
  else if (command === 'scan') await scan(action, extra, values);
  else if (command === 'dlq') await dlq(action, extra, values.json ?? false);
  else if (command === 'table') await table(action, values.from);
  else if (command === 'lookup')
    await lookup(action, extra, { csv: values.csv ?? false, advisory: values.advisory });
  else if (command === 'sbom') await sbom(action, extra, values);
  else throw new UsageError(`unknown command: ${command}`);
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

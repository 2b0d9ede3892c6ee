/**
 * The one description of Muster's resources. The CDK stack builds AWS resources from it and the local
 * mode builds the same table, queues, routes and schedule on the local servers, so the two cannot drift.
 */

import { advisoryPartition } from './entities/advisory-source.ts';
import { apiKeyKey } from './entities/api-key.ts';
import { organizationKey } from './entities/organization.ts';
import { sessionKey } from './entities/session.ts';
import { aliasKey, packageAdvisoriesPartition, vulnerabilityKey } from './entities/vulnerability.ts';

export const table = {
  name: 'muster',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expires_at',
  indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
} as const;

export type QueueName = 'work';

/**
 * What travels on the work queue, each kind handled by its own module of the process-work consumer.
 * One queue carries them all because Lambda long-polls each queue it consumes, busy or not: every
 * consumed queue costs about 650,000 requests a month whatever the fleet, which at a thousand
 * instances would be more than their heartbeats cost.
 */
export const workKinds = [
  'heartbeat',
  'scan',
  'advisory',
  'evaluation',
  'sweep',
  'alert',
  'summary',
  'feedback',
] as const satisfies readonly (
  | 'heartbeat'
  | 'scan'
  | 'advisory'
  | 'evaluation'
  | 'sweep'
  | NotificationKind
)[];
export type WorkKind = (typeof workKinds)[number];

/**
 * Work that sends to people: the alerts of one evaluation, one organization's weekly summary, or the
 * feedback on a pull request's scans. On the work queue too, for the idle polling a queue of their own
 * would cost; they fail and retry on a backoff of their own (shared/notifications.ts).
 */
export type NotificationKind = 'alert' | 'summary' | 'feedback';

/**
 * Kinds that carry what agents and CI upload, up to 1 MiB a request: the only ones large enough to
 * travel as a claim check.
 */
export const uploadKinds = ['heartbeat', 'scan'] as const satisfies readonly WorkKind[];
export type UploadKind = (typeof uploadKinds)[number];

/** Where a claim-checked message of this kind waits in the payload bucket. */
export const claimCheckPrefix = (kind: UploadKind): string => `${kind}s`;

export interface QueueDefinition {
  name: QueueName;
  /** Environment variable through which producers and consumers learn the queue URL. */
  urlEnv: string;
  /** Six times the consumer's timeout, as AWS advises, so a message is not redelivered while in hand. */
  visibilityTimeoutSeconds: number;
  /** Deliveries before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /** The function that consumes it. */
  consumer?: FunctionName;
}

export const queues: Record<QueueName, QueueDefinition> = {
  work: {
    name: 'work',
    urlEnv: 'WORK_QUEUE_URL',
    visibilityTimeoutSeconds: 900,
    maxReceiveCount: 5,
    // Up to 25 records in 2 seconds: the heartbeats of a deploy's instances arrive together and share
    // one evaluation of their app-environment.
    batchSize: 25,
    maxBatchingWindowSeconds: 2,
    consumer: 'process-work',
  },
};

export const deadLetterQueueName = (queue: QueueName): string => `${queue}-dlq`;

export type ConsumedQueue = QueueDefinition & { consumer: FunctionName };

const isConsumed = (queue: QueueDefinition): queue is ConsumedQueue => queue.consumer !== undefined;

/** The queues that a function consumes. */
export const consumedQueues = (): ConsumedQueue[] => Object.values(queues).filter(isConsumed);

export function consumedQueue(name: QueueName): ConsumedQueue {
  const queue = queues[name];
  if (!isConsumed(queue)) throw new Error(`queue ${name} has no consumer`);
  return queue;
}

/**
 * Messages larger than the threshold travel as a claim check: the body goes to this bucket and the
 * queue carries its key. SQS caps a message at 1 MiB, which an accepted 1 MiB request plus its
 * envelope could exceed, and bills every 64 KB of a message as a request. Objects outlive the
 * dead-letter queues' 14 days, so a message redriven from one still finds its body.
 */
export const payloadBucket = {
  name: 'muster-payloads',
  envVariable: 'PAYLOAD_BUCKET',
  claimCheckThresholdBytes: 256 * 1024,
  expirationDays: 15,
} as const;

/**
 * Scan reports too large for a request (1 MiB) are put straight into the payload bucket by CI, through
 * a presigned URL, under `<prefix>/<org>/<upload id>`; `POST /v1/scans` then names the upload. The
 * URL is signed for one exact size, up to `maxBytes`, so it carries nothing larger; an upload is read
 * once, within minutes, and expires after a day.
 */
export const reportUploads = {
  prefix: 'scan-reports',
  maxBytes: 32 * 1024 * 1024,
  urlExpiresSeconds: 900,
  expirationDays: 1,
} as const;

export type FunctionName =
  | 'advisories'
  | 'apps'
  | 'health'
  | 'ingest-heartbeat'
  | 'ingest-scan'
  | 'lookup'
  | 'organization'
  | 'process-work'
  | 'retire-instances'
  | 'session'
  | 'suppress-finding'
  | 'sync-advisories'
  | 'unsubscribe'
  | 'update-app'
  | 'weekly-summary';

/** The item writes of DynamoDB's API, as IAM names them (`dynamodb:<action>`). */
export type TableWriteAction = 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'BatchWriteItem';

/**
 * The table's partitions that write grants name, as IAM `StringLike` patterns of the partition key
 * (`*`: any run of characters). Each comes from the entity's own key function, called with `*` for
 * every name in the key, so that a grant names what the stores write rather than a copy of it.
 */
export const tablePartitions = {
  /** An API key: `KEY#<hash>`. */
  apiKey: apiKeyKey('*').pk,
  /** A dashboard session: `SESSION#<hash>`. */
  session: sessionKey('*').pk,
  /**
   * An organization's own partition, `ORG#<org>`: its settings, app-environments, instance heads,
   * findings, latest scans, scan settings and audit trail. The pattern matches the partitions under it too.
   */
  organization: organizationKey('*').pk,
  /**
   * The partitions under an organization's own, `ORG#<org>#…`: its app-environments' dependencies and
   * usage rows, its scans, usage counts and drift. No key of an organization's own partition matches,
   * since names hold no '#' (entities/key-parts.ts).
   */
  underOrganization: `${organizationKey('*').pk}#*`,
  /** The advisory sources' sync state, the sync's lease and the catalog of advised packages. */
  advisories: advisoryPartition,
  vulnerability: vulnerabilityKey('*').pk,
  alias: aliasKey('*').pk,
  packageAdvisories: packageAdvisoriesPartition('*'),
} as const;

/**
 * Writes a function makes: the actions, on the partitions whose key matches one of `partitions` and
 * none of `except` (the stack's `dynamodb:LeadingKeys` condition), or on any partition ('any') for
 * work that writes across the table. `why` is one line, quoted by the grant table of docs/operations.md.
 */
export interface TableWrite {
  actions: TableWriteAction[];
  partitions: string[] | 'any';
  except?: string[];
  /**
   * The only attributes, besides the key, that the write may name (the stack's `dynamodb:Attributes`
   * condition): for writes to items whose other attributes grant something, such as a key's scope.
   */
  attributes?: string[];
  why: string;
}

export interface TableAccess {
  /** GetItem, BatchGetItem and Query on the table: every function that uses the table reads it. */
  read: true;
  /** Queries the table's global secondary index too. */
  queriesIndex?: boolean;
  writes?: TableWrite[];
}

/** Every request with an API key records the key's use (stores/api-key-store.ts). */
const keyUse: TableWrite = {
  actions: ['UpdateItem'],
  partitions: [tablePartitions.apiKey],
  // Never the key's scope, organization or revocation: a function that serves reads stays one.
  attributes: ['last_used_at'],
  why: 'records when the API key was last used, at most hourly',
};

/** Every request on a dashboard session moves the session's idle deadline (stores/session-store.ts). */
const sessionUse: TableWrite = {
  actions: ['UpdateItem'],
  partitions: [tablePartitions.session],
  // Never the key the session stands for.
  attributes: ['active_at', table.timeToLiveAttribute],
  why: 'moves the idle deadline of the dashboard session a request comes on',
};

/** An organization's own partition, without the partitions under it. */
const organizationOnly = {
  partitions: [tablePartitions.organization],
  except: [tablePartitions.underOrganization],
};

export interface FunctionDefinition {
  name: FunctionName;
  /** Source file under functions/, exporting `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** What the function reads and writes of the table; the stack grants exactly this and nothing else. */
  table?: TableAccess;
  /** The kinds of message it puts on the work queue. */
  sendsWork?: WorkKind[];
  /** Consumers read claim-checked message bodies from the payload bucket. */
  readsPayloads?: boolean;
  /** Presigns CI's uploads of large scan reports to the payload bucket, and reads them. */
  receivesReportUploads?: boolean;
  /** Writes answers too large for a response (CSV lookups, SBOMs) to the payload bucket, and presigns their download. */
  publishesDownloads?: boolean;
  /** Told the configured advisory sources (ADVISORY_SOURCES): to sync them, or to report on them. */
  knowsAdvisorySources?: boolean;
  sendsEmail?: boolean;
  /** Posts alerts to the webhooks that organizations configure: outbound HTTPS to the internet. */
  callsWebhooks?: boolean;
  /** Comments on pull requests and creates check runs as the GitHub App, whose private key it reads. */
  callsGitHub?: boolean;
}

export const functions: Record<FunctionName, FunctionDefinition> = {
  advisories: {
    name: 'advisories',
    entry: 'functions/advisories.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    table: { read: true, writes: [keyUse, sessionUse] },
    knowsAdvisorySources: true,
  },
  apps: {
    name: 'apps',
    entry: 'functions/apps.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    // The apps list is a Query of the index.
    table: { read: true, queriesIndex: true, writes: [keyUse, sessionUse] },
    publishesDownloads: true,
  },
  // It answers without reading anything.
  health: { name: 'health', entry: 'functions/health.ts', memoryMb: 128, timeoutSeconds: 3 },
  'ingest-heartbeat': {
    name: 'ingest-heartbeat',
    entry: 'functions/ingest-heartbeat.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    // An ingest key never stands behind a dashboard session, which only read and admin keys open.
    table: {
      read: true,
      writes: [
        keyUse,
        {
          actions: ['UpdateItem'],
          ...organizationOnly,
          // The instance head's times, on the condition that the head is as the heartbeat found it:
          // never an organization's settings or findings, which share its partition.
          attributes: ['sent_at', 'last_seen', 'expires_at', 'inventory_hash', 'stopped_at', 'lease_owner'],
          why: 'moves the last-seen time of the instance an unchanged heartbeat comes from',
        },
      ],
    },
    sendsWork: ['heartbeat'],
  },
  'ingest-scan': {
    name: 'ingest-scan',
    entry: 'functions/ingest-scan.ts',
    // Enough to parse an uploaded report of up to 32 MiB within API Gateway's 29 seconds.
    memoryMb: 1024,
    timeoutSeconds: 29,
    // The scan itself is written by the work consumer; a ci key never stands behind a session.
    table: { read: true, writes: [keyUse] },
    sendsWork: ['scan'],
    receivesReportUploads: true,
  },
  lookup: {
    name: 'lookup',
    entry: 'functions/lookup.ts',
    memoryMb: 512,
    timeoutSeconds: 29,
    // Usage rows and a vulnerability's findings are found through the index.
    table: { read: true, queriesIndex: true, writes: [keyUse, sessionUse] },
    publishesDownloads: true,
  },
  'process-work': {
    name: 'process-work',
    entry: 'functions/process-work.ts',
    memoryMb: 1024,
    // A re-match reads every organization's usage rows of an advisory's packages before it fans the
    // evaluations out; the rest of the work takes seconds.
    timeoutSeconds: 150,
    table: {
      read: true,
      queriesIndex: true,
      writes: [
        {
          actions: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
          partitions: 'any',
          why: 'writes every organization’s inventories, findings, usage rows, scans and deliveries, and the work’s failures',
        },
      ],
    },
    readsPayloads: true,
    // Evaluations send what a finding's alert outbox holds; a re-match, and a sweep that finds
    // app-environments never indexed, fan evaluations out; a pull request's scan asks for its feedback.
    sendsWork: ['evaluation', 'alert', 'feedback'],
    // Alerts and weekly summaries: email through SES, and the webhooks organizations set.
    sendsEmail: true,
    callsWebhooks: true,
    // Feedback on pull requests, as the GitHub App the stack is configured with.
    callsGitHub: true,
  },
  'retire-instances': {
    name: 'retire-instances',
    entry: 'functions/retire-instances.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    // It lists the organizations (a Query of the index) and asks for each one's sweep, which the work
    // consumer runs.
    table: { read: true, queriesIndex: true },
    sendsWork: ['sweep'],
  },
  session: {
    name: 'session',
    entry: 'functions/session.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    table: {
      read: true,
      writes: [
        keyUse,
        {
          actions: ['PutItem', 'DeleteItem'],
          partitions: [tablePartitions.session],
          why: 'signing in stores a session, signing out deletes it',
        },
      ],
    },
  },
  'suppress-finding': {
    name: 'suppress-finding',
    entry: 'functions/suppress-finding.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    table: {
      read: true,
      writes: [
        keyUse,
        sessionUse,
        {
          actions: ['PutItem', 'UpdateItem'],
          ...organizationOnly,
          why: 'leases the app-environment, sets or lifts the finding’s suppression and appends to the audit trail',
        },
      ],
    },
  },
  'sync-advisories': {
    name: 'sync-advisories',
    entry: 'functions/sync-advisories.ts',
    memoryMb: 1024,
    timeoutSeconds: 900,
    table: {
      read: true,
      writes: [
        {
          actions: ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
          partitions: [
            tablePartitions.advisories,
            tablePartitions.vulnerability,
            tablePartitions.alias,
            tablePartitions.packageAdvisories,
          ],
          why: 'stores advisories with their ids and package entries, and each source’s sync state and the sync’s lease',
        },
      ],
    },
    sendsWork: ['advisory'],
    knowsAdvisorySources: true,
  },
  'update-app': {
    name: 'update-app',
    entry: 'functions/update-app.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    table: {
      read: true,
      writes: [
        keyUse,
        sessionUse,
        {
          actions: ['UpdateItem', 'BatchWriteItem'],
          // The organization's own partition and those under it.
          partitions: [tablePartitions.organization],
          why: 'sets classification overrides and scan settings, then evaluates the app-environment again: its findings, usage rows, counts and drift',
        },
      ],
    },
    // It evaluates the app-environment again, which sends what a finding's alert outbox holds.
    sendsWork: ['alert'],
  },
  'weekly-summary': {
    name: 'weekly-summary',
    entry: 'functions/weekly-summary.ts',
    memoryMb: 256,
    timeoutSeconds: 60,
    // It lists the organizations with recipients (a Query of the index) and asks for each one's
    // summary, which the work consumer writes and sends.
    table: { read: true, queriesIndex: true },
    sendsWork: ['summary'],
  },
  organization: {
    name: 'organization',
    entry: 'functions/organization.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    table: {
      read: true,
      writes: [
        keyUse,
        sessionUse,
        {
          actions: ['UpdateItem'],
          ...organizationOnly,
          why: 'sets the organization’s summary and alert recipients and its webhook',
        },
      ],
    },
  },
  unsubscribe: {
    name: 'unsubscribe',
    entry: 'functions/unsubscribe.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    // The signed token is its only credential: no key, no session.
    table: {
      read: true,
      writes: [
        {
          actions: ['UpdateItem'],
          ...organizationOnly,
          why: 'takes the token’s address off one of the organization’s mailing lists',
        },
      ],
    },
  },
};

export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  function: FunctionName;
}

export const routes: RouteDefinition[] = [
  { method: 'GET', path: '/health', function: 'health' },
  { method: 'POST', path: '/v1/heartbeat', function: 'ingest-heartbeat' },
  { method: 'POST', path: '/v1/scans', function: 'ingest-scan' },
  { method: 'POST', path: '/v1/scans/uploads', function: 'ingest-scan' },
  { method: 'GET', path: '/v1/lookup', function: 'lookup' },
  { method: 'GET', path: '/v1/apps', function: 'apps' },
  { method: 'GET', path: '/v1/apps/{app}/{environment}', function: 'apps' },
  { method: 'GET', path: '/v1/apps/{app}/{environment}/sbom', function: 'apps' },
  { method: 'PATCH', path: '/v1/apps/{app}/{environment}', function: 'update-app' },
  { method: 'PATCH', path: '/v1/apps/{app}', function: 'update-app' },
  { method: 'GET', path: '/v1/advisories', function: 'advisories' },
  { method: 'GET', path: '/v1/advisories/sources', function: 'advisories' },
  { method: 'GET', path: '/v1/advisories/{id}', function: 'advisories' },
  {
    method: 'POST',
    path: '/v1/apps/{app}/{environment}/findings/{finding}/suppression',
    function: 'suppress-finding',
  },
  {
    method: 'DELETE',
    path: '/v1/apps/{app}/{environment}/findings/{finding}/suppression',
    function: 'suppress-finding',
  },
  // The dashboard's session: signing in with a key sets an HttpOnly cookie that stands for it.
  { method: 'POST', path: '/v1/session', function: 'session' },
  { method: 'GET', path: '/v1/session', function: 'session' },
  { method: 'DELETE', path: '/v1/session', function: 'session' },
  { method: 'GET', path: '/v1/organization', function: 'organization' },
  { method: 'PUT', path: '/v1/organization/summary-recipients', function: 'organization' },
  { method: 'PUT', path: '/v1/organization/alert-recipients', function: 'organization' },
  { method: 'PUT', path: '/v1/organization/webhook', function: 'organization' },
  { method: 'DELETE', path: '/v1/organization/webhook', function: 'organization' },
  // Opened from a link in an email, or posted by a mail client (RFC 8058): the signed token is the key.
  { method: 'GET', path: '/v1/unsubscribe', function: 'unsubscribe' },
  { method: 'POST', path: '/v1/unsubscribe', function: 'unsubscribe' },
];

/**
 * Where the functions' metrics go (embedded metric format, through Powertools); Powertools adds the
 * `service` dimension to each.
 */
export const metricsNamespace = 'Muster';
export const metricsService = 'muster';

/**
 * The work consumer's outcomes, counted per record with the kind of work as the `kind` dimension: the
 * alarms on failing work (a weekly summary that cannot be sent, say) read them.
 */
export const workMetrics = { succeeded: 'WorkSucceeded', failed: 'WorkFailed' } as const;

/** Request units the work consumer's batches consumed, as DynamoDB reports them: what its work costs. */
export const capacityMetrics = { read: 'ConsumedReadUnits', write: 'ConsumedWriteUnits' } as const;

/**
 * The security headers of the dashboard's responses: CloudFront's response headers policy sets them in
 * AWS and the local gateway sets them here. Only the site's own files run: no inline script or style,
 * no framing, nothing fetched from elsewhere.
 */
export const dashboardSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
} as const;

/** Request throttling of the HTTP API; a burst above it is answered 429 by API Gateway itself. */
export const apiThrottle = { rateLimit: 200, burstLimit: 400 } as const;

/** Largest request body an ingest route accepts, checked before parsing. */
export const maxBodyBytes = 1024 * 1024;

type WeekDay = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

export type ScheduleDefinition = {
  name: string;
  function: FunctionName;
} & (
  | {
      /** Fields of an EventBridge Scheduler cron expression, in UTC; daily when weekDay is absent. */
      cron: { minute: number; hour: number; weekDay?: WeekDay };
    }
  | {
      /** A fixed rate: every this many minutes. */
      everyMinutes: number;
    }
);

export const schedules: ScheduleDefinition[] = [
  { name: 'weekly-summary', function: 'weekly-summary', cron: { minute: 0, hour: 8, weekDay: 'MON' } },
  // Hourly: retirement, and the rows of the apps list that time alone moves (instances falling silent).
  { name: 'retire-instances', function: 'retire-instances', everyMinutes: 60 },
  // Often enough that an advisory reaches an alert within 15 minutes of reaching its feed.
  { name: 'sync-advisories', function: 'sync-advisories', everyMinutes: 10 },
];

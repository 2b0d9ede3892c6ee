import { consumedQueues, functions, queues, workKinds } from '../../shared/resources.ts';

/**
 * Monthly AWS cost of running Muster for a fleet, from public on-demand prices (us-east-1) and the
 * request units and durations the benchmark measured. Each line says what it assumes.
 */

export const prices = {
  /** The AWS pricing pages for us-east-1 as published in 2025; this machine has no network to read them again. */
  readOn: '2025 (AWS pricing pages, us-east-1; not re-read: no network here)',
  apiGatewayHttpPerMillion: 1.0,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  sqsStandardPerMillion: 0.4,
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  dynamoStorageGbMonth: 0.25,
  dynamoPitrGbMonth: 0.2,
  sesPerThousand: 0.1,
  logsIngestPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  /** A standard-resolution alarm, per metric it reads (a metric-math alarm reads several). */
  alarmMetricMonth: 0.1,
  /** A custom metric (each name and set of dimension values), the first 10,000. */
  customMetricMonth: 0.3,
  dashboardMonth: 3.0,
};

export interface MeasuredCosts {
  /** Write units of one unchanged heartbeat once its last-seen interval passed: the ingest route's touch. */
  touchWru: number;
  /** Read units of an unchanged heartbeat: the ingest route reads the instance's head. */
  unchangedRru: number;
  /** Write units of a changed heartbeat (a deploy); every instance is assumed to change once a week. */
  changedWru: number;
  /** The ingest route's time for a heartbeat it applies itself. */
  ingestMs: number;
  /** The work consumer's time for a changed heartbeat. */
  consumerMsPerChange: number;
  /** Bytes stored per instance (head and dependency items, usage rows, index). */
  storageBytesPerInstance: number;
  /** The usual advisory sync run, every ten minutes whatever the fleet: its units and duration. */
  advisorySyncRun: { rru: number; wru: number; ms: number };
}

export interface Fleet {
  instances: number;
  intervalSeconds: number;
}

const month = 30 * 24 * 3600;
const weeksPerMonth = 4.35;
const lastSeenIntervalSeconds = 600;
const advisorySyncsPerMonth = month / 600;
/**
 * Lambda long-polls each queue it consumes, busy or not: five concurrent 20-second ReceiveMessage
 * calls when traffic is low, which it "can optimize to as few as 2" (AWS Lambda's SQS scaling page).
 * Five errs high.
 */
const idlePollers = 5;

export interface CostLine {
  service: string;
  usd: number;
  basis: string;
}

const gb = (megabytes: number) => megabytes / 1024;

export function monthlyCost(fleet: Fleet, measured: MeasuredCosts): CostLine[] {
  const heartbeats = (fleet.instances * month) / fleet.intervalSeconds;
  // The ingest route applies what changes nothing; only a changed inventory goes through the queue.
  const changes = fleet.instances * weeksPerMonth;
  // Lambda's SQS poller fills batches only as fast as changes come within the 2 s batching window.
  const batchSize = Math.min(queues.work.batchSize, Math.max(1, (changes / month) * 2));
  const consumerInvocations = changes / batchSize;
  // An unchanged heartbeat writes last_seen only once per interval; at 5-minute heartbeats every other one.
  const touchesPerHeartbeat = Math.min(1, fleet.intervalSeconds / lastSeenIntervalSeconds);
  const billedSeconds = (ms: number) => Math.max(1, Math.ceil(ms)) / 1000;
  const ingestMb = functions['ingest-heartbeat'].memoryMb;
  const consumerMb = functions['process-work'].memoryMb;
  const syncMb = functions['sync-advisories'].memoryMb;
  const lambdaCompute =
    heartbeats * billedSeconds(measured.ingestMs) * gb(ingestMb) +
    consumerInvocations * billedSeconds(measured.consumerMsPerChange * batchSize) * gb(consumerMb) +
    advisorySyncsPerMonth * billedSeconds(measured.advisorySyncRun.ms) * gb(syncMb);
  // Each change: one send, its share of a receive and of a batch delete; plus Lambda's idle long polls.
  const idlePolls = consumedQueues().length * idlePollers * (month / 20);
  const sqsRequests = changes * (1 + 2 / Math.min(10, batchSize)) + idlePolls;
  const storageGb = (fleet.instances * measured.storageBytesPerInstance) / 1e9;
  // API access log line (~250 B) per request; Lambda platform logs are off (system log level WARN).
  const logsGb = (heartbeats * 250) / 1e9;
  const writeUnits =
    heartbeats * touchesPerHeartbeat * measured.touchWru +
    changes * measured.changedWru +
    advisorySyncsPerMonth * measured.advisorySyncRun.wru;
  const readUnits = heartbeats * measured.unchangedRru + advisorySyncsPerMonth * measured.advisorySyncRun.rru;
  return [
    {
      service: 'API Gateway',
      usd: (heartbeats / 1e6) * prices.apiGatewayHttpPerMillion,
      basis: `${fmt(heartbeats)} requests`,
    },
    {
      service: 'Lambda',
      usd:
        ((heartbeats + consumerInvocations + advisorySyncsPerMonth) / 1e6) * prices.lambdaRequestsPerMillion +
        lambdaCompute * prices.lambdaArmGbSecond,
      basis: `${fmt(heartbeats + consumerInvocations + advisorySyncsPerMonth)} invocations (ingest at ${ingestMb} MB, the work consumer at ${consumerMb} MB for the changes, the advisory sync every 10 minutes at ${syncMb} MB)`,
    },
    {
      service: 'SQS',
      usd: (sqsRequests / 1e6) * prices.sqsStandardPerMillion,
      basis: `${fmt(sqsRequests)} requests, of which ${fmt(idlePolls)} idle polls of ${consumedQueues().length} consumed queue${consumedQueues().length === 1 ? '' : 's'}`,
    },
    {
      service: 'DynamoDB',
      usd:
        (writeUnits / 1e6) * prices.dynamoWritePerMillion +
        (readUnits / 1e6) * prices.dynamoReadPerMillion +
        storageGb * (prices.dynamoStorageGbMonth + prices.dynamoPitrGbMonth),
      basis: `${fmt(writeUnits)} WRU, ${fmt(readUnits)} RRU, ${storageGb.toFixed(3)} GB`,
    },
    { service: 'SES', usd: (weeksPerMonth / 1000) * prices.sesPerThousand, basis: 'one weekly summary' },
    {
      service: 'CloudWatch Logs',
      usd: logsGb * prices.logsIngestPerGb + logsGb * prices.logsStoragePerGbMonth,
      basis: `${logsGb.toFixed(2)} GB of access logs`,
    },
  ];
}

/** What the stack's monitoring holds, as its synthesized template says (test/bench/run.ts counts it). */
export interface Monitoring {
  /** Metrics read by its alarms: one each, or each metric of a metric-math alarm. */
  alarmMetrics: number;
  alarms: number;
  dashboards: number;
  advisorySources: number;
}

/**
 * The fixed monthly cost of watching Muster, the same at any fleet size: its alarms, the custom
 * metrics its functions emit (the work consumer's outcomes per kind of work and its request units,
 * each advisory source's syncs and failures) and its CloudWatch dashboard. Free tiers (ten alarm
 * metrics, ten custom metrics and three dashboards per account) are not counted.
 */
export function monitoringCost(monitoring: Monitoring): CostLine[] {
  const customMetrics = 2 * workKinds.length + 2 + 2 * monitoring.advisorySources;
  return [
    {
      service: 'CloudWatch alarms',
      usd: monitoring.alarmMetrics * prices.alarmMetricMonth,
      basis: `${monitoring.alarms} alarms reading ${monitoring.alarmMetrics} metrics`,
    },
    {
      service: 'CloudWatch metrics',
      usd: customMetrics * prices.customMetricMonth,
      basis: `${customMetrics} custom metrics: work succeeded and failed for each of ${workKinds.length} kinds, read and write units, and each of ${monitoring.advisorySources} advisory sources' syncs and failures`,
    },
    {
      service: 'CloudWatch dashboards',
      usd: monitoring.dashboards * prices.dashboardMonth,
      basis: `${monitoring.dashboards} dashboard`,
    },
  ];
}

function fmt(value: number): string {
  return value >= 1e6
    ? `${(value / 1e6).toFixed(2)} M`
    : value >= 1e3
      ? `${(value / 1e3).toFixed(1)} k`
      : value.toFixed(0);
}

export const totalUsd = (lines: CostLine[]): number => lines.reduce((sum, line) => sum + line.usd, 0);

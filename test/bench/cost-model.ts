import { consumedQueues } from '../../shared/resources.ts';

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
};

export interface MeasuredCosts {
  /** Base-table plus index write units of one unchanged heartbeat once its last-seen interval passed. */
  touchWru: number;
  /** Write units of a changed heartbeat (a deploy); every instance is assumed to change once a week. */
  changedWru: number;
  unchangedRru: number;
  ingestMs: number;
  consumerMsPerRecord: number;
  /** Bytes stored per instance (head and dependency items, base table and index). */
  storageBytesPerInstance: number;
  /** The usual advisory sync run, every ten minutes whatever the fleet: its units and duration. */
  advisorySyncRun: { rru: number; wru: number; ms: number };
}

export interface Fleet {
  instances: number;
  intervalSeconds: number;
}

const month = 30 * 24 * 3600;
const lastSeenIntervalSeconds = 600;
const advisorySyncsPerMonth = month / 600;

export interface CostLine {
  service: string;
  usd: number;
  basis: string;
}

export function monthlyCost(fleet: Fleet, measured: MeasuredCosts): CostLine[] {
  const heartbeats = (fleet.instances * month) / fleet.intervalSeconds;
  const perSecond = heartbeats / month;
  // Lambda's SQS poller fills batches only as fast as messages come within the 2 s batching window.
  const batchSize = Math.min(25, Math.max(1, perSecond * 2));
  const consumerInvocations = heartbeats / batchSize;
  // An unchanged heartbeat writes last_seen only once per interval; at 5-minute heartbeats every other one.
  const touchesPerHeartbeat = Math.min(1, fleet.intervalSeconds / lastSeenIntervalSeconds);
  const billedMs = (ms: number) => Math.max(1, Math.ceil(ms));
  const lambdaCompute =
    heartbeats * (billedMs(measured.ingestMs) / 1000) * 0.25 +
    consumerInvocations * (billedMs(measured.consumerMsPerRecord * batchSize) / 1000) * 0.5 +
    advisorySyncsPerMonth * (billedMs(measured.advisorySyncRun.ms) / 1000) * 1;
  // Each message: one send, its share of a receive and of a batch delete; plus Lambda's idle long polls
  // on every queue a function consumes: five pollers each, one 20-second ReceiveMessage at a time (AWS
  // says an idle queue may be polled by as few as two; five errs high).
  const sqsRequests =
    heartbeats * (1 + 2 / Math.min(10, batchSize)) + consumedQueues().length * 5 * (month / 20);
  const storageGb = (fleet.instances * measured.storageBytesPerInstance) / 1e9;
  // API access log line (~250 B) per request; Lambda platform logs are off (system log level WARN).
  const logsGb = (heartbeats * 250) / 1e9;
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
      basis: `${fmt(heartbeats + consumerInvocations + advisorySyncsPerMonth)} invocations (ingest 256 MB, consumer 512 MB in batches of ${batchSize.toFixed(1)}, the advisory sync every 10 minutes at 1 GB)`,
    },
    {
      service: 'SQS',
      usd: (sqsRequests / 1e6) * prices.sqsStandardPerMillion,
      basis: `${fmt(sqsRequests)} requests, idle polls of ${consumedQueues().length} queues included`,
    },
    {
      service: 'DynamoDB',
      usd:
        ((heartbeats * touchesPerHeartbeat * measured.touchWru +
          fleet.instances * 4.35 * measured.changedWru +
          advisorySyncsPerMonth * measured.advisorySyncRun.wru) /
          1e6) *
          prices.dynamoWritePerMillion +
        ((heartbeats * measured.unchangedRru + advisorySyncsPerMonth * measured.advisorySyncRun.rru) / 1e6) *
          prices.dynamoReadPerMillion +
        storageGb * (prices.dynamoStorageGbMonth + prices.dynamoPitrGbMonth),
      basis: `${fmt(heartbeats * touchesPerHeartbeat * measured.touchWru)} WRU, ${fmt(heartbeats * measured.unchangedRru)} RRU, ${storageGb.toFixed(3)} GB`,
    },
    { service: 'SES', usd: (4.35 / 1000) * prices.sesPerThousand, basis: 'one weekly summary' },
    {
      service: 'CloudWatch Logs',
      usd: logsGb * prices.logsIngestPerGb + logsGb * prices.logsStoragePerGbMonth,
      basis: `${logsGb.toFixed(2)} GB of access logs`,
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

import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  type AlarmProps,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { type AdvisorySource, sourceSyncedMetric } from '../../shared/advisory-sources.ts';
import { isEmailAddress } from '../../shared/email-address.ts';
import { retryDelaySeconds } from '../../shared/notifications.ts';
import {
  deadLetterQueueName,
  type FunctionName,
  functions,
  metricsNamespace,
  metricsService,
  type QueueDefinition,
  queues,
  workMetrics,
} from '../../shared/resources.ts';
import { deadLetterRetentionDays, type MessageQueue } from './message-queue.ts';
import type { MusterFunction } from './muster-function.ts';
import { SourceFreshnessAlarm } from './source-freshness-alarm.ts';

/** What is operated: the stack's functions, queues, API and advisory sources. */
export interface OperatedResources {
  functions: Record<FunctionName, MusterFunction>;
  queues: { definition: QueueDefinition; queue: MessageQueue }[];
  api: HttpApi;
  advisorySources: AdvisorySource[];
}

export interface OperationsAlarmsProps extends OperatedResources {
  /** Subscribed to the alarm topic by email; SNS asks the address to confirm. */
  alarmEmail?: string;
}

/** A message that waits this long on a queue is late: heartbeats are to land within minutes. */
export const oldestMessageAlarmSeconds = 15 * 60;

/** A dead letter this old is alarmed on again, days before SQS deletes it. */
const expiringDeadLetterDays = deadLetterRetentionDays - 4;

/** The API's 5xx responses, as a share of its requests, above which it alarms; and its p99 latency. */
const apiErrorRatePercent = 1;
const apiLatencyP99Ms = 5000;

/** Fewer requests than this in five minutes are too few for a rate or a percentile to mean anything. */
const apiMinimumRequests = 20;

/** No advisory source synced for this many days in a row raises its own alarm. */
const advisorySyncStaleDays = 2;

/**
 * Every alarm of the stack, named `<stack>-<what>` (the runbook in docs/operations.md goes by these
 * names) and described with what to do, sending ALARM and OK to one SNS topic: each queue's dead
 * letters and oldest message, each function's errors and throttles, the API's 5xx rate and latency,
 * the advisory sources' freshness, and failing weekly summaries. Queues and functions come from the
 * shared definitions, so that a new one is alarmed on without more code.
 */
export class OperationsAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    this.topic = this.alarmTopic(props.alarmEmail);

    for (const { definition, queue } of props.queues) this.queueAlarms(definition, queue);
    for (const definition of Object.values(functions)) {
      this.functionAlarms(definition.name, props.functions[definition.name]);
    }
    this.apiAlarms(props.api);
    this.advisoryAlarms(props.advisorySources);
    this.summaryAlarm();
  }

  private get stackName(): string {
    return Stack.of(this).stackName;
  }

  /**
   * The topic the alarms publish to. SNS requires TLS of its publishers; since that takes a topic
   * policy, which replaces SNS's default one, the policy also lets this stack's alarms publish.
   */
  private alarmTopic(email: string | undefined): Topic {
    const topic = new Topic(this, 'Topic', { displayName: 'Muster alarms', enforceSSL: true });
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${this.stackName}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (email !== undefined) {
      if (!isEmailAddress(email)) throw new Error(`alarmEmail: ${email} is not an email address`);
      topic.addSubscription(new EmailSubscription(email));
    }
    return topic;
  }

  private add(id: string, name: string, props: Omit<AlarmProps, 'alarmName'>): void {
    const { period } = props.metric as Metric | MathExpression;
    checkEvaluationWindow(name, period.toSeconds(), props.evaluationPeriods);
    this.watch(new Alarm(this, id, { alarmName: `${this.stackName}-${name}`, ...props }));
  }

  /** Sends the alarm's ALARM and OK to the topic. */
  private watch(alarm: Alarm): void {
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
  }

  private queueAlarms(definition: QueueDefinition, { queue, deadLetterQueue }: MessageQueue): void {
    const name = definition.name;
    const dlq = deadLetterQueueName(name);
    const id = pascal(name);
    const consumer = definition.consumer ?? 'its consumer';
    this.add(`${id}DeadLetters`, `${name}-dead-letters`, {
      alarmDescription: `Messages of the ${name} queue failed ${definition.maxReceiveCount} deliveries and wait in ${dlq}. List them with their last errors (npm run muster -- dlq list ${name}), fix the cause that ${consumer}'s logs give for each, then move them back with npm run muster -- dlq redrive ${name}. SQS deletes them ${deadLetterRetentionDays} days after they were first sent.`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(`${id}OldestMessage`, `${name}-oldest-message`, {
      alarmDescription: `A message has waited on the ${name} queue for over ${oldestMessageAlarmSeconds / 60} minutes, so heartbeats, scans and alerts are late. On the Muster dashboard: ${consumer}'s errors and throttles (a consumer that fails or cannot run), and WorkFailed by kind (a kind that fails is retried, notifications after ${retrySchedule(definition.maxReceiveCount)} minutes, until it moves to ${dlq}). ${consumer}'s logs ('record failed') give each failure.`,
      metric: queue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: oldestMessageAlarmSeconds,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(`${id}DeadLettersExpiring`, `${name}-dead-letters-expiring`, {
      alarmDescription: `A message in ${dlq} is ${expiringDeadLetterDays} days old; SQS deletes it at ${deadLetterRetentionDays} days. Redrive it once its cause is fixed (npm run muster -- dlq redrive ${name}), or read it (dlq list ${name}) and let it go.`,
      metric: deadLetterQueue.metricApproximateAgeOfOldestMessage({
        statistic: 'Maximum',
        period: Duration.hours(1),
      }),
      threshold: expiringDeadLetterDays * 24 * 3600,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private functionAlarms(name: FunctionName, handler: MusterFunction): void {
    const id = pascal(name);
    const { timeoutSeconds } = functions[name];
    this.add(`${id}Errors`, `${name}-errors`, {
      alarmDescription: `The ${name} function failed: an unhandled error, its ${timeoutSeconds}-second timeout or its memory. Its log group (the Lambda console's Monitor tab opens it; filter on level ERROR) gives the error; the Muster dashboard shows its duration against the timeout. A request it failed was answered 500; a queue message is retried, then dead-lettered.`,
      metric: handler.function.metricErrors({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(`${id}Throttles`, `${name}-throttles`, {
      alarmDescription: `Lambda refused to run the ${name} function: the account's concurrent executions reached its limit (Muster reserves none; new accounts start low). Requests were answered 429 or 500, queue messages wait and are retried. Check ConcurrentExecutions for the account and ask AWS Support for a higher Lambda concurrency quota.`,
      metric: handler.function.metricThrottles({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  private apiAlarms(api: HttpApi): void {
    const period = Duration.minutes(5);
    const requests = api.metricCount({ period });
    this.add('ApiServerErrorRate', 'api-5xx-rate', {
      alarmDescription: `More than ${apiErrorRatePercent}% of the API's requests were answered 5xx in 5 minutes (of at least ${apiMinimumRequests}). The API's access logs (status, routeKey, integrationError) show the route, the functions' errors alarms and logs ('request failed', with its stack) the cause; a 503 or 504 without a function error is Lambda throttling or a timeout.`,
      metric: new MathExpression({
        expression: `IF(requests >= ${apiMinimumRequests}, 100 * errors / requests, 0)`,
        usingMetrics: { errors: api.metricServerError({ period }), requests },
        period,
        label: 'API 5xx (% of requests)',
      }),
      threshold: apiErrorRatePercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add('ApiLatency', 'api-latency-p99', {
      alarmDescription: `The API's p99 latency stayed above ${apiLatencyP99Ms / 1000} seconds for 15 minutes (with at least ${apiMinimumRequests} requests each 5 minutes). The Muster dashboard's function durations show which function is slow; look for DynamoDB throttling, cold starts after a deploy, or large lookups and CSV exports.`,
      metric: new MathExpression({
        expression: `IF(requests >= ${apiMinimumRequests}, latency, 0)`,
        usingMetrics: { latency: api.metricLatency({ statistic: 'p99', period }), requests },
        period,
        label: 'API latency p99 (ms)',
      }),
      threshold: apiLatencyP99Ms,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * Each source's hour without a successful sync, and every source's two days without one: the first
   * says a feed is failing, the second that no new advisory has reached any finding for days.
   */
  private advisoryAlarms(sources: AdvisorySource[]): void {
    sources.forEach((source, index) => {
      const { alarm } = new SourceFreshnessAlarm(this, `AdvisorySource${index + 1}Freshness`, source, {
        alarmName: `${this.stackName}-advisory-source-${index + 1}-stale`,
      });
      this.watch(alarm);
    });
    if (sources.length === 0) return;
    const period = Duration.days(1);
    const synced = Object.fromEntries(
      sources.map((source, index) => [`source${index + 1}`, sourceSynced(source, period)]),
    );
    // SUM of the sources has a value in a day when any of them synced; none makes it missing data,
    // which breaches.
    this.add('AdvisorySyncStale', 'advisory-sync-stale', {
      alarmDescription: `No advisory source has synced successfully for ${advisorySyncStaleDays} days: no new or corrected advisory reaches a finding. GET /v1/advisories/sources gives each source's last_error; the sync-advisories function's errors and logs ('advisory source failed') say more. Once fixed, npm run muster -- advisories sync (with the stack's environment) syncs at once.`,
      metric: new MathExpression({
        expression: `SUM([${Object.keys(synced).join(', ')}])`,
        usingMetrics: synced,
        period,
        label: 'Successful advisory syncs',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: advisorySyncStaleDays,
      datapointsToAlarm: advisorySyncStaleDays,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }

  /** A weekly summary the work consumer could not send; the weekly-summary function's own errors alarm too. */
  private summaryAlarm(): void {
    this.add('WeeklySummaryFailures', 'weekly-summary-failures', {
      alarmDescription: `A weekly summary could not be sent. It is retried after ${retrySchedule(queues.work.maxReceiveCount)} minutes, then waits in work-dlq as a summary. process-work's logs ('record failed', kind summary) give the reason: SES refusing (the sender identity not verified, the account in the SES sandbox, a quota) or an address. Once fixed, npm run muster -- dlq redrive work; only recipients who did not get it receive it. Back to OK without a dead letter means a retry sent it.`,
      metric: workFailed('summary'),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}

/** A source's successful syncs, as sync-advisories counts them. */
export function sourceSynced(source: AdvisorySource, period: Duration): Metric {
  return new Metric({
    namespace: metricsNamespace,
    metricName: sourceSyncedMetric,
    dimensionsMap: { service: metricsService, source: source.id },
    statistic: 'Sum',
    period,
  });
}

/** The work consumer's failed records of one kind. */
function workFailed(kind: string, period = Duration.minutes(5)): Metric {
  return new Metric({
    namespace: metricsNamespace,
    metricName: workMetrics.failed,
    dimensionsMap: { service: metricsService, kind },
    statistic: 'Sum',
    period,
  });
}

/**
 * CloudWatch refuses an alarm that looks further back than seven days, or than one day when its
 * period is under an hour; checked here, since CloudFormation fails only at deploy.
 */
export function checkEvaluationWindow(name: string, periodSeconds: number, evaluationPeriods: number): void {
  const window = periodSeconds * evaluationPeriods;
  const limit = periodSeconds < 3600 ? 24 * 3600 : 7 * 24 * 3600;
  if (window > limit) {
    throw new Error(`alarm ${name} looks back ${window} seconds; CloudWatch allows ${limit}`);
  }
}

/** The minutes a failed notification waits before each of its retries, as in "1, 5, 15 and 15". */
function retrySchedule(maxReceiveCount: number): string {
  const minutes = Array.from(
    { length: maxReceiveCount - 1 },
    (_, index) => retryDelaySeconds(index + 1) / 60,
  );
  return `${minutes.slice(0, -1).join(', ')} and ${minutes.at(-1)}`;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

import { Duration, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { type AdvisorySource, sourceFailedMetric } from '../../shared/advisory-sources.ts';
import {
  capacityMetrics,
  deadLetterQueueName,
  type FunctionName,
  functions,
  metricsNamespace,
  metricsService,
  type QueueDefinition,
  workMetrics,
} from '../../shared/resources.ts';
import type { MessageQueue } from './message-queue.ts';
import type { MusterFunction } from './muster-function.ts';
import { type OperatedResources, oldestMessageAlarmSeconds, sourceSynced } from './operations-alarms.ts';

export interface OperationsDashboardProps extends OperatedResources {
  alarms: Alarm[];
}

const period = Duration.minutes(5);
const fullWidth = 24;

/**
 * The stack's CloudWatch dashboard, named after the stack: the alarms' states, then each queue's depth
 * and oldest message with its dead letters, every function's errors, throttles and duration, the API's
 * requests, errors and latency, the work consumer's outcomes by kind and the request units it
 * consumed, and each advisory source's syncs. Queues and functions come from the shared definitions.
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({
        title: 'Alarms',
        alarms: props.alarms,
        width: fullWidth,
        height: 2 + Math.ceil(props.alarms.length / 6),
      }),
    );
    this.dashboard.addWidgets(heading('Queues'));
    for (const { definition, queue } of props.queues)
      this.dashboard.addWidgets(...queueWidgets(definition, queue));
    this.dashboard.addWidgets(heading('Functions'), ...functionWidgets(props.functions));
    this.dashboard.addWidgets(heading('HTTP API'), ...apiWidgets(props.api));
    this.dashboard.addWidgets(heading('Work'), ...workWidgets());
    if (props.advisorySources.length > 0) {
      this.dashboard.addWidgets(heading('Advisory sync'), advisoryWidget(props.advisorySources));
    }
  }

  /** The dashboard in the CloudWatch console. */
  get url(): string {
    const { region } = Stack.of(this);
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}

const heading = (text: string) => new TextWidget({ markdown: `## ${text}`, width: fullWidth, height: 1 });

const graph = (title: string, left: IMetric[], options: { right?: IMetric[]; width?: number } = {}) =>
  new GraphWidget({ title, left, right: options.right, width: options.width ?? 8, height: 6 });

function queueWidgets(definition: QueueDefinition, { queue, deadLetterQueue }: MessageQueue) {
  const dlq = deadLetterQueueName(definition.name);
  return [
    graph(`${definition.name}: messages`, [
      queue.metricApproximateNumberOfMessagesVisible({ label: 'waiting', statistic: 'Maximum', period }),
      queue.metricApproximateNumberOfMessagesNotVisible({
        label: 'in flight or backing off',
        statistic: 'Maximum',
        period,
      }),
    ]),
    new GraphWidget({
      title: `${definition.name}: oldest message (seconds)`,
      left: [queue.metricApproximateAgeOfOldestMessage({ label: 'oldest', statistic: 'Maximum', period })],
      leftAnnotations: [{ value: oldestMessageAlarmSeconds, label: 'alarm' }],
      width: 8,
      height: 6,
    }),
    graph(
      `${dlq}: dead letters`,
      [
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          label: 'dead letters',
          statistic: 'Maximum',
          period,
        }),
      ],
      {
        right: [
          deadLetterQueue.metricApproximateAgeOfOldestMessage({
            label: 'oldest (seconds)',
            statistic: 'Maximum',
            period,
          }),
        ],
      },
    ),
  ];
}

function functionWidgets(handlers: Record<FunctionName, MusterFunction>) {
  const each = (metric: (handler: MusterFunction, name: FunctionName) => IMetric) =>
    Object.values(functions).map(({ name }) => metric(handlers[name], name));
  return [
    graph(
      'Function errors',
      each((handler, label) => handler.function.metricErrors({ label, statistic: 'Sum', period })),
    ),
    graph(
      'Function throttles',
      each((handler, label) => handler.function.metricThrottles({ label, statistic: 'Sum', period })),
    ),
    graph(
      'Function duration p99 (ms)',
      each((handler, label) => handler.function.metricDuration({ label, statistic: 'p99', period })),
    ),
  ];
}

function apiWidgets(api: HttpApi) {
  return [
    graph('API requests', [api.metricCount({ label: 'requests', period })]),
    graph('API errors', [
      api.metricServerError({ label: '5xx', period }),
      api.metricClientError({ label: '4xx', period }),
    ]),
    graph('API latency (ms)', [
      api.metricLatency({ label: 'p50', statistic: 'p50', period }),
      api.metricLatency({ label: 'p99', statistic: 'p99', period }),
    ]),
  ];
}

/** Every kind the consumer reported, as a search: a new kind appears without a change here. */
const byKind = (metricName: string) =>
  new MathExpression({
    expression: `SEARCH('{${metricsNamespace},kind,service} MetricName="${metricName}" service="${metricsService}"', 'Sum', ${period.toSeconds()})`,
    usingMetrics: {},
    // No label of its own: the search names each line by its kind.
    label: '',
    period,
  });

const consumed = (metricName: string, label: string) =>
  new Metric({
    namespace: metricsNamespace,
    metricName,
    dimensionsMap: { service: metricsService },
    statistic: 'Sum',
    period,
    label,
  });

function workWidgets() {
  return [
    graph('Work succeeded, by kind', [byKind(workMetrics.succeeded)]),
    graph('Work failed, by kind', [byKind(workMetrics.failed)]),
    graph('Request units consumed by the work', [
      consumed(capacityMetrics.read, 'read'),
      consumed(capacityMetrics.write, 'write'),
    ]),
  ];
}

function advisoryWidget(sources: AdvisorySource[]) {
  const hour = Duration.hours(1);
  return graph(
    'Advisory syncs per hour, by source',
    sources.map((source) => sourceSynced(source, hour).with({ label: `${source.id} synced` })),
    {
      right: sources.map(
        (source) =>
          new Metric({
            namespace: metricsNamespace,
            metricName: sourceFailedMetric,
            dimensionsMap: { service: metricsService, source: source.id },
            statistic: 'Sum',
            period: hour,
            label: `${source.id} failed`,
          }),
      ),
      width: fullWidth,
    },
  );
}

import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { DashboardFiles } from '../../infra/dashboard/build.ts';
import { MusterStack } from '../../infra/muster-stack.ts';
import { defaultAdvisorySources, parseAdvisorySources } from '../../shared/advisory-sources.ts';
import type { Monitoring } from './cost-model.ts';

type AlarmProperties = { Metrics?: { MetricStat?: unknown }[] };

/**
 * The alarms and dashboards of the stack as `cdk deploy` makes it with its default advisory sources,
 * counted from the synthesized template (bundling skipped), so that the cost model follows the stack.
 */
export function countMonitoring(dashboard: DashboardFiles): Monitoring {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const advisorySources = parseAdvisorySources(defaultAdvisorySources);
  const stack = new MusterStack(app, 'Muster', {
    summaryFrom: 'muster@example.com',
    dashboard,
    advisorySources,
  });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties as AlarmProperties,
  );
  return {
    alarms: alarms.length,
    alarmMetrics: alarms.reduce(
      (sum, alarm) => sum + (alarm.Metrics ? alarm.Metrics.filter((metric) => metric.MetricStat).length : 1),
      0,
    ),
    dashboards: Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length,
    advisorySources: advisorySources.length,
  };
}

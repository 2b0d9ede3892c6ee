import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  type AdvisorySource,
  sourceSyncedMetric,
  staleSourceSeconds,
} from '../../shared/advisory-sources.ts';
import { metricsNamespace, metricsService } from '../../shared/resources.ts';

/**
 * Raised when an advisory source has not synced successfully for an hour: six scheduled runs in a
 * row failed, or none ran. A missing metric counts as a breach, since a sync that never runs emits none.
 */
export class SourceFreshnessAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(
    scope: Construct,
    id: string,
    source: AdvisorySource,
    { alarmName }: { alarmName?: string } = {},
  ) {
    super(scope, id);
    this.alarm = new Alarm(this, 'Alarm', {
      alarmName,
      alarmDescription: `Muster has not synced the advisory source ${source.id} for an hour: six scheduled syncs failed, or none ran. GET /v1/advisories/sources gives its last_error (a feed down, moved or answering garbage); the sync-advisories function's errors and logs ('advisory source failed') say more. Its advisories stay as last synced meanwhile.`,
      metric: new Metric({
        namespace: metricsNamespace,
        metricName: sourceSyncedMetric,
        dimensionsMap: { service: metricsService, source: source.id },
        statistic: 'Sum',
        period: Duration.seconds(staleSourceSeconds),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
}

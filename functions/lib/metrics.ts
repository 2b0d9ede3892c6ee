import { Metrics } from '@aws-lambda-powertools/metrics';
import { metricsNamespace, metricsService } from '../../shared/resources.ts';

/** CloudWatch metrics in the embedded metric format: written to the log, no API call. */
export const metrics = new Metrics({ namespace: metricsNamespace, serviceName: metricsService });

export { MetricUnit } from '@aws-lambda-powertools/metrics';

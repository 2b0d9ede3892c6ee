import { Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { apiThrottle, type FunctionName, routes } from '../../shared/resources.ts';
import type { MusterFunction } from './muster-function.ts';

/**
 * The HTTP API: the routes of the shared definition, stage throttling, and access logs. Routes
 * authenticate inside the function with Muster's hashed, scoped API keys.
 */
export class MusterHttpApi extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, functions: Record<FunctionName, MusterFunction>) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: apiThrottle,
    });
    // The L2 stage has no access log setting for HTTP APIs yet; the L1 property is the documented way.
    (stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        latency: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    for (const route of routes) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(
          `${route.method}${route.path}`,
          functions[route.function].function,
        ),
      });
    }
    Validations.of(this.api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Every /v1 route authenticates inside its function with a hashed, scoped Muster API key (401/403); /health is public on purpose.',
    });
  }

  get url(): string {
    return this.api.apiEndpoint;
  }
}

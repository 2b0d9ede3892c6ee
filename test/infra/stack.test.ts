import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { MusterStack } from '../../infra/muster-stack.ts';
import { parseAdvisorySources } from '../../shared/advisory-sources.ts';
import { lookupExportPrefix } from '../../shared/lookup-export.ts';
import {
  claimCheckPrefix,
  functions,
  queues,
  reportUploads,
  routes,
  uploadKinds,
} from '../../shared/resources.ts';

const testSources = 'osv:https://osv.example/Hex,cve:https://cna.example/cves/index.json';

const gitHubApp = { appId: '123456', apiUrl: 'https://github.example.com/api/v3' };

/** Bundling is skipped: these tests check the template, and `npm run synth` checks the bundles. */
function synthesize({ nag, withGitHubApp = true }: { nag: boolean; withGitHubApp?: boolean }) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MusterStack(app, 'Muster', {
    summaryFrom: 'muster@example.com',
    advisorySources: parseAdvisorySources(testSources),
    gitHubApp: withGitHubApp ? gitHubApp : undefined,
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return Template.fromStack(stack);
}

let template: Template;

beforeAll(() => {
  template = synthesize({ nag: false });
});

type Resource = { Properties: Record<string, unknown> };

type Statement = { Action: string | string[]; Resource: unknown };

const statementsOf = (functionName: string): Statement[] => {
  const roleId = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) =>
    id.startsWith(functionName.replace(/(^|-)([a-z])/g, (_, __, l: string) => l.toUpperCase())),
  )?.[0];
  expect(roleId).toBeDefined();
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId!))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};

const policiesOf = (functionName: string) =>
  new Set(statementsOf(functionName).flatMap((statement) => [statement.Action].flat()));

/** The payload bucket's object prefixes that a function may touch with the action, as `/<prefix>/*`. */
const payloadGrants = (functionName: string, action: 's3:GetObject' | 's3:PutObject'): string[] =>
  statementsOf(functionName)
    .filter((statement) => [statement.Action].flat().includes(action))
    // Fn::Join of the bucket's ARN and the prefix: the last part names what may be touched.
    .map((statement) =>
      String((statement.Resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1)),
    )
    .sort();

describe('MusterStack', () => {
  it('passes the cdk-nag AwsSolutions checks, every exception acknowledged with a reason', () => {
    // Synthesis throws ValidationFailed, listing each finding, when any check fails unacknowledged.
    expect(() => synthesize({ nag: true })).not.toThrow();
  });

  it('runs every function on Node 22, arm64, with a log group that expires', () => {
    const lambdas = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(lambdas)).toHaveLength(Object.keys(functions).length);
    for (const lambda of Object.values(lambdas) as Resource[]) {
      expect(lambda.Properties.Runtime).toBe('nodejs22.x');
      expect(lambda.Properties.Architectures).toEqual(['arm64']);
      expect(lambda.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    }
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: 30 },
      Object.keys(functions).length + 1,
    );
  });

  it('gives every queue a dead-letter queue and a consumer with partial batch responses', () => {
    for (const queue of Object.values(queues)) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: Match.objectLike({ maxReceiveCount: queue.maxReceiveCount }),
        VisibilityTimeout: queue.visibilityTimeoutSeconds,
      });
      template.resourcePropertiesCountIs(
        'AWS::Lambda::EventSourceMapping',
        { FunctionResponseTypes: ['ReportBatchItemFailures'], BatchSize: queue.batchSize },
        1,
      );
    }
    template.resourceCountIs('AWS::SQS::Queue', Object.keys(queues).length * 2);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', Object.keys(queues).length);
  });

  it('has one on-demand table with point-in-time recovery, TTL and the shared index', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
    });
  });

  it('serves each route of the shared definition with throttling', () => {
    for (const route of routes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
      });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 400, ThrottlingRateLimit: 200 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('fires the weekly summary every Monday at 08:00 UTC, telling it when the run was due', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 ? * MON *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Input: JSON.stringify({ time: '<aws.scheduler.scheduled-time>' }) }),
    });
  });

  it('syncs advisories every ten minutes and tells the sync and the sources route the sources', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(10 minutes)' });
    const withSources = Object.values(
      template.findResources('AWS::Lambda::Function') as Record<string, Resource>,
    ).filter(
      (resource) =>
        (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .ADVISORY_SOURCES === testSources,
    );
    expect(withSources).toHaveLength(2);
  });

  it('raises an alarm when an advisory source has not synced for an hour', () => {
    for (const source of parseAdvisorySources(testSources)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Muster',
        MetricName: 'AdvisorySourceSynced',
        Dimensions: Match.arrayEquals([
          { Name: 'service', Value: 'muster' },
          { Name: 'source', Value: source.id },
        ]),
        Statistic: 'Sum',
        Period: 3600,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    }
  });

  it('grants each function only what it uses', () => {
    expect(policiesOf('ingest-heartbeat')).toEqual(
      new Set([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        's3:PutObject',
      ]),
    );
    expect(policiesOf('process-work').has('s3:GetObject')).toBe(true);
    expect(policiesOf('health')).toEqual(new Set(['logs:CreateLogStream', 'logs:PutLogEvents']));
    // The schedule only asks for each organization's summary; the work consumer alone sends.
    const summary = policiesOf('weekly-summary');
    expect([...summary].filter((action) => action.startsWith('ses:'))).toEqual([]);
    expect(summary.has('dynamodb:PutItem')).toBe(false);
    expect(summary.has('sqs:SendMessage')).toBe(true);
    const sender = policiesOf('process-work');
    expect([...sender].filter((action) => action.startsWith('ses:'))).toEqual(['ses:SendRawEmail']);
    // It puts off the retry of a notification that failed.
    expect(sender.has('sqs:ChangeMessageVisibility')).toBe(true);
    const emailers = Object.values(functions).filter((definition) =>
      policiesOf(definition.name).has('ses:SendRawEmail'),
    );
    expect(emailers.map((definition) => definition.name)).toEqual(['process-work']);
    expect([...policiesOf('lookup')].some((action) => action.startsWith('sqs:'))).toBe(false);
  });

  it('lets every function that evaluates findings deliver their alerts', () => {
    // Any evaluation sends what an earlier one left in a finding's alert outbox.
    for (const name of ['process-work', 'update-app']) {
      expect(policiesOf(name).has('sqs:SendMessage'), name).toBe(true);
      const [, lambda] = Object.entries(
        template.findResources('AWS::Lambda::Function') as Record<string, Resource>,
      ).find(([id]) => id.startsWith(name.replace(/(^|-)([a-z])/g, (_, __, l: string) => l.toUpperCase())))!;
      const { Variables: variables } = lambda.Properties.Environment as {
        Variables: Record<string, unknown>;
      };
      expect(variables, name).toHaveProperty(queues.work.urlEnv);
    }
  });

  it('lets the hourly schedule only read the organizations and ask for their sweeps', () => {
    const schedule = policiesOf('retire-instances');
    expect([...schedule].filter((action) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(action))).toEqual(
      [],
    );
    expect(schedule.has('sqs:SendMessage')).toBe(true);
    expect([...schedule].some((action) => action.startsWith('s3:'))).toBe(false);
  });

  it('lets each uploader write its own claim checks, and the work consumer read them', () => {
    // The prefix the code writes a claim check under is the one granted: on AWS the queue's own name
    // is generated, so neither may come from it.
    expect(payloadGrants('ingest-heartbeat', 's3:PutObject')).toEqual([
      `/${claimCheckPrefix('heartbeat')}/*`,
    ]);
    expect(payloadGrants('ingest-scan', 's3:PutObject')).toEqual(
      [`/${claimCheckPrefix('scan')}/*`, `/${reportUploads.prefix}/*`].sort(),
    );
    expect(payloadGrants('process-work', 's3:GetObject')).toEqual(
      uploadKinds.map((kind) => `/${claimCheckPrefix(kind)}/*`).sort(),
    );
    expect(payloadGrants('process-work', 's3:PutObject')).toEqual([]);
  });

  it('lets the lookup write and read its CSV exports, and nothing else of the payload bucket', () => {
    expect(payloadGrants('lookup', 's3:PutObject')).toEqual([`/${lookupExportPrefix}/*`]);
    expect(payloadGrants('lookup', 's3:GetObject')).toEqual([`/${lookupExportPrefix}/*`]);
    expect([...policiesOf('lookup')].filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:GetObject',
      's3:PutObject',
    ]);
    expect(lookupExportPrefix).toBe('exports');
  });

  it('presigns CI’s report uploads under their prefix only, which expires within a day', () => {
    expect(payloadGrants('ingest-scan', 's3:GetObject')).toEqual([`/${reportUploads.prefix}/*`]);
    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket') as Record<string, Resource>);
    const rules = (bucket!.Properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Prefix: `${reportUploads.prefix}/`, ExpirationInDays: 1, Status: 'Enabled' }),
    );
  });

  it('lets only the work consumer read the GitHub App’s key, and tells it the App', () => {
    const readers = Object.values(functions).filter((definition) =>
      policiesOf(definition.name).has('secretsmanager:GetSecretValue'),
    );
    expect(readers.map((definition) => definition.name)).toEqual(['process-work']);
    const secrets = Object.keys(template.findResources('AWS::SecretsManager::Secret'));
    expect(secrets).toHaveLength(1);
    const grant = statementsOf('process-work').find((statement) =>
      [statement.Action].flat().includes('secretsmanager:GetSecretValue'),
    )!;
    expect(grant.Resource).toEqual({ Ref: secrets[0] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          GITHUB_APP_ID: gitHubApp.appId,
          GITHUB_API_URL: gitHubApp.apiUrl,
          GITHUB_PRIVATE_KEY_SECRET: { Ref: secrets[0] },
        }),
      },
    });
    template.hasOutput('GitHubAppPrivateKeySecret', { Value: { Ref: secrets[0] } });
  });

  it('makes no secret and gives no feedback without a GitHub App', () => {
    const plain = synthesize({ nag: false, withGitHubApp: false });
    expect(Object.keys(plain.findResources('AWS::SecretsManager::Secret'))).toEqual([]);
    expect(JSON.stringify(plain.toJSON())).not.toContain('GITHUB_APP_ID');
  });
});

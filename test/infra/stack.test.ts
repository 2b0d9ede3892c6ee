import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AllowedMethods, CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchesIamPattern } from '../../infra/constructs/iam-pattern.ts';
import { InventoryTable } from '../../infra/constructs/inventory-table.ts';
import { MusterFunction } from '../../infra/constructs/muster-function.ts';
import { checkEvaluationWindow } from '../../infra/constructs/operations-alarms.ts';
import type { DashboardFiles } from '../../infra/dashboard/build.ts';
import { MusterStack } from '../../infra/muster-stack.ts';
import { parseAdvisorySources, sourceSyncedMetric } from '../../shared/advisory-sources.ts';
import { downloadPrefix } from '../../shared/downloads.ts';
import { apiKeyKey } from '../../shared/entities/api-key.ts';
import { dependencyKey } from '../../shared/entities/dependency.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import { sessionKey } from '../../shared/entities/session.ts';
import { vulnerabilityKey } from '../../shared/entities/vulnerability.ts';
import {
  capacityMetrics,
  claimCheckPrefix,
  dashboardSecurityHeaders,
  functions,
  metricsNamespace,
  metricsService,
  queues,
  reportUploads,
  routes,
  tablePartitions,
  uploadKinds,
  workMetrics,
} from '../../shared/resources.ts';

const testSources = 'osv:https://osv.example/Hex,cve:https://cna.example/cves/index.json';

const gitHubApp = { appId: '123456', apiUrl: 'https://github.example.com/api/v3' };

const pageCacheControl = 'no-cache';
const assetCacheControl = 'public, max-age=31536000, immutable';

/** A build as infra/dashboard/build.ts makes it: the page, and assets named by their content's hash. */
const testDashboard: DashboardFiles = new Map([
  [
    '/index.html',
    file(
      '<!doctype html><script type="module" src="/app-0123456789ab.js"></script>',
      'text/html; charset=utf-8',
      pageCacheControl,
    ),
  ],
  ['/app-0123456789ab.js', file('console.log(1)', 'text/javascript; charset=utf-8', assetCacheControl)],
  ['/style-0123456789ab.css', file('body{}', 'text/css; charset=utf-8', assetCacheControl)],
]);

function file(body: string, contentType: string, cacheControl: string) {
  return { body: Buffer.from(body), contentType, cacheControl };
}

interface SynthesisOptions {
  nag: boolean;
  withGitHubApp?: boolean;
  dashboardUrl?: string;
  alarmEmail?: string;
  advisorySources?: string;
}

/** Bundling is skipped: these tests check the template, and `npm run synth` checks the bundles. */
function synthesizeAssembly({
  nag,
  withGitHubApp = true,
  dashboardUrl,
  alarmEmail,
  advisorySources = testSources,
}: SynthesisOptions) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new MusterStack(app, 'Muster', {
    summaryFrom: 'muster@example.com',
    advisorySources: parseAdvisorySources(advisorySources),
    alarmEmail,
    gitHubApp: withGitHubApp ? gitHubApp : undefined,
    dashboard: testDashboard,
    dashboardUrl,
  });
  if (nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return { template: Template.fromStack(stack), directory: assembly.directory };
}

const synthesize = (options: SynthesisOptions) => synthesizeAssembly(options).template;

let template: Template;
/** The cloud assembly of `template`: the staged assets, as `cdk deploy` would upload them. */
let directory: string;

beforeAll(() => {
  ({ template, directory } = synthesizeAssembly({ nag: false }));
});

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };

/** The stack's own functions, not the handler that aws-s3-deployment adds for the dashboard's upload. */
const musterFunctions = (from: Template) =>
  Object.fromEntries(
    Object.entries(from.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter(
      ([id]) => !id.startsWith('CustomCDKBucketDeployment'),
    ),
  );

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

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
    const lambdas = musterFunctions(template);
    expect(Object.keys(lambdas)).toHaveLength(Object.keys(functions).length);
    for (const lambda of Object.values(lambdas) as Resource[]) {
      expect(lambda.Properties.Runtime).toBe('nodejs22.x');
      expect(lambda.Properties.Architectures).toEqual(['arm64']);
      expect(lambda.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON' });
    }
    // And the API's access logs, and the dashboard upload's handler.
    template.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: 30 },
      Object.keys(functions).length + 2,
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
        // The key's last use and the instance's last-seen time, on their partitions only (below).
        'dynamodb:UpdateItem',
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

  it.each(['lookup', 'apps'])(
    'lets %s write and read its downloads, and nothing else of the payload bucket',
    (name) => {
      expect(payloadGrants(name, 's3:PutObject')).toEqual([`/${downloadPrefix}/*`]);
      expect(payloadGrants(name, 's3:GetObject')).toEqual([`/${downloadPrefix}/*`]);
      expect([...policiesOf(name)].filter((action) => action.startsWith('s3:')).sort()).toEqual([
        's3:GetObject',
        's3:PutObject',
      ]);
      expect(downloadPrefix).toBe('exports');
    },
  );

  it('presigns CI’s report uploads under their prefix only, which expires within a day', () => {
    expect(payloadGrants('ingest-scan', 's3:GetObject')).toEqual([`/${reportUploads.prefix}/*`]);
    const [, bucket] = Object.entries(
      template.findResources('AWS::S3::Bucket') as Record<string, Resource>,
    ).find(([id]) => id.startsWith('Payloads'))!;
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

/** A table grant as the template has it: its actions, resources and condition. */
type TableStatement = {
  actions: string[];
  resource: unknown;
  condition?: Record<string, Record<string, unknown>>;
};

const tableWriteActions = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
]);

/** The role's statements on DynamoDB, in the order the stack added them. */
const tableStatementsOf = (functionName: string): TableStatement[] =>
  statementsOf(functionName)
    .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')))
    .map((statement) => ({
      actions: [statement.Action].flat(),
      resource: statement.Resource,
      ...(statement.Condition ? { condition: statement.Condition } : {}),
    }));

const isWrite = (statement: TableStatement) =>
  statement.actions.some((action) => tableWriteActions.has(action));

/**
 * Whether IAM lets the statement write an item with this partition key: every `dynamodb:LeadingKeys`
 * value (here the one) matches a StringLike pattern and no StringNotLike one.
 */
function allowsPartition(statement: TableStatement, partitionKey: string): boolean {
  if (!statement.condition) return true;
  const like = statement.condition['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[];
  const notLike = (statement.condition['ForAllValues:StringNotLike']?.['dynamodb:LeadingKeys'] ??
    []) as string[];
  return (
    like.some((pattern) => matchesIamPattern(pattern, partitionKey)) &&
    !notLike.some((pattern) => matchesIamPattern(pattern, partitionKey))
  );
}

/** Whether any of the function's statements lets it make this write. */
const mayWrite = (functionName: string, action: string, partitionKey: string) =>
  tableStatementsOf(functionName).some(
    (statement) =>
      statement.actions.includes(`dynamodb:${action}`) && allowsPartition(statement, partitionKey),
  );

describe('table grants', () => {
  const tableArn = () => {
    const [tableId] = resourceOf(template, 'AWS::DynamoDB::GlobalTable');
    return { 'Fn::GetAtt': [tableId, 'Arn'] };
  };

  it('grants each function the reads of its definition, and each of its writes on exactly the partitions it names', () => {
    const arn = tableArn();
    for (const definition of Object.values(functions)) {
      const statements = tableStatementsOf(definition.name);
      if (!definition.table) {
        expect(statements, definition.name).toEqual([]);
        continue;
      }
      const [reads, ...writes] = statements;
      expect(reads, definition.name).toEqual({
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        resource: definition.table.queriesIndex ? [arn, { 'Fn::Join': ['', [arn, '/index/*']] }] : arn,
      });
      expect(writes, definition.name).toEqual(
        (definition.table.writes ?? []).map((write) => ({
          actions: write.actions.map((action) => `dynamodb:${action}`),
          resource: arn,
          ...(write.partitions === 'any'
            ? {}
            : {
                condition: {
                  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': write.partitions },
                  ...(write.except
                    ? { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': write.except } }
                    : {}),
                  Null: { 'dynamodb:LeadingKeys': 'false' },
                  ...(write.attributes
                    ? {
                        'ForAllValues:StringEquals': {
                          'dynamodb:Attributes': ['pk', 'sk', ...write.attributes],
                        },
                        StringEqualsIfExists: {
                          'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'],
                        },
                      }
                    : {}),
                },
              }),
        })),
      );
    }
  });

  it('lets the read-serving functions write nothing but the use of the key or session a request comes with', () => {
    for (const name of ['lookup', 'apps', 'advisories']) {
      const writes = tableStatementsOf(name).filter(isWrite);
      expect(writes.flatMap((statement) => statement.actions)).toEqual([
        'dynamodb:UpdateItem',
        'dynamodb:UpdateItem',
      ]);
      expect(writes.map((statement) => statement.condition?.['ForAllValues:StringLike'])).toEqual([
        { 'dynamodb:LeadingKeys': [tablePartitions.apiKey] },
        { 'dynamodb:LeadingKeys': [tablePartitions.session] },
      ]);
      // Only the use: never a key's scope or revocation, nor the key a session stands for.
      expect(writes.map((statement) => statement.condition?.['ForAllValues:StringEquals'])).toEqual([
        { 'dynamodb:Attributes': ['pk', 'sk', 'last_used_at'] },
        { 'dynamodb:Attributes': ['pk', 'sk', 'active_at', 'expires_at'] },
      ]);
      expect(mayWrite(name, 'UpdateItem', apiKeyKey('0f3a').pk), name).toBe(true);
      for (const key of [
        organizationKey('acme'),
        instanceKey('acme', 'billing', 'prod', 'web-1'),
        vulnerabilityKey('GHSA-1'),
      ]) {
        expect(mayWrite(name, 'UpdateItem', key.pk), `${name} ${key.pk}`).toBe(false);
      }
    }
    for (const name of ['weekly-summary', 'retire-instances']) {
      expect(tableStatementsOf(name).filter(isWrite), name).toEqual([]);
    }
    expect(tableStatementsOf('health')).toEqual([]);
  });

  it('leaves a write unconditioned only for the work consumer, which writes across the table', () => {
    const unconditioned = Object.values(functions).filter((definition) =>
      tableStatementsOf(definition.name).some((statement) => isWrite(statement) && !statement.condition),
    );
    expect(unconditioned.map((definition) => definition.name)).toEqual(['process-work']);
  });

  it('keeps a write to an organization’s own partition out of the partitions under it', () => {
    const instance = instanceKey('acme', 'billing', 'prod', 'web#1');
    const dependency = dependencyKey('acme', 'billing', 'prod', 'web#1', 'plug');
    for (const name of ['ingest-heartbeat', 'organization', 'unsubscribe', 'suppress-finding']) {
      expect(mayWrite(name, 'UpdateItem', instance.pk), name).toBe(true);
      expect(mayWrite(name, 'UpdateItem', dependency.pk), name).toBe(false);
      expect(mayWrite(name, 'UpdateItem', sessionKey('0f3a').pk), name).toBe(
        name !== 'ingest-heartbeat' && name !== 'unsubscribe',
      );
    }
    // Its evaluation writes usage rows under the app-environment's partition.
    expect(mayWrite('update-app', 'BatchWriteItem', dependency.pk)).toBe(true);
    expect(mayWrite('update-app', 'BatchWriteItem', vulnerabilityKey('GHSA-1').pk)).toBe(false);
    expect(mayWrite('sync-advisories', 'BatchWriteItem', vulnerabilityKey('GHSA-1').pk)).toBe(true);
    expect(mayWrite('sync-advisories', 'PutItem', organizationKey('acme').pk)).toBe(false);
  });

  it('refuses a write whose exception would take away a partition it names', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Grants');
    const { table } = new InventoryTable(stack, 'Inventory');
    const handler = new MusterFunction(stack, 'Handler', { definition: functions.health });
    expect(() =>
      handler.useTable(table, {
        read: true,
        writes: [
          {
            actions: ['UpdateItem'],
            partitions: [tablePartitions.organization, `${tablePartitions.organization}#APPENV#*`],
            except: [tablePartitions.underOrganization],
            why: 'writes usage rows',
          },
        ],
      }),
    ).toThrow(`excepts ${tablePartitions.underOrganization}, which takes away ORG#*#APPENV#*`);
  });
});

type AlarmResource = {
  Properties: {
    AlarmName: string;
    AlarmDescription: string;
    AlarmActions: unknown[];
    OKActions: unknown[];
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Statistic?: string;
    ExtendedStatistic?: string;
    Period?: number;
    EvaluationPeriods: number;
    DatapointsToAlarm?: number;
    Threshold: number;
    ComparisonOperator: string;
    TreatMissingData: string;
    Metrics?: {
      Id: string;
      Expression?: string;
      MetricStat?: {
        Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] };
        Period: number;
        Stat: string;
      };
      ReturnData?: boolean;
    }[];
  };
};

const alarmsOf = (from: Template) =>
  Object.values(from.findResources('AWS::CloudWatch::Alarm') as Record<string, AlarmResource>).map(
    (alarm) => alarm.Properties,
  );

function alarmNamed(from: Template, name: string): AlarmResource['Properties'] {
  const found = alarmsOf(from).filter((alarm) => alarm.AlarmName === `Muster-${name}`);
  expect(found, name).toHaveLength(1);
  return found[0]!;
}

const pascalCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, __, l: string) => l.toUpperCase());

/** The logical id of the one resource of the type whose id starts with the prefix. */
const idOf = (type: string, prefix: string) => resourceOf(template, type, prefix)[0];

/** The logical ids of a queue of the shared definition and of its dead-letter queue. */
function queueIds(name: string): { queue: string; deadLetterQueue: string } {
  const deadLetterQueue = idOf('AWS::SQS::Queue', `${pascalCase(name)}QueueDeadLetterQueue`);
  const [queue, ...others] = Object.keys(template.findResources('AWS::SQS::Queue')).filter(
    (id) => id.startsWith(`${pascalCase(name)}Queue`) && id !== deadLetterQueue,
  );
  expect(others).toEqual([]);
  return { queue: queue!, deadLetterQueue };
}

describe('operations alarms', () => {
  it('sends every alarm, and its return to OK, to one topic, each named after the stack and saying what to do', () => {
    const [topicId] = resourceOf(template, 'AWS::SNS::Topic');
    const alarms = alarmsOf(template);
    for (const alarm of alarms) {
      expect(alarm.AlarmName).toMatch(/^Muster-[a-z0-9-]+$/);
      expect(alarm.AlarmActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.OKActions, alarm.AlarmName).toEqual([{ Ref: topicId }]);
      expect(alarm.AlarmDescription.length, alarm.AlarmName).toBeGreaterThan(100);
      expect(alarm.AlarmDescription.length, alarm.AlarmName).toBeLessThanOrEqual(1024);
    }
    expect(new Set(alarms.map((alarm) => alarm.AlarmName)).size).toBe(alarms.length);
    template.hasOutput('AlarmTopicArn', { Value: { Ref: topicId } });
  });

  it('takes only TLS from publishers of the topic, and lets this stack’s alarms publish to it', () => {
    const [topicId] = resourceOf(template, 'AWS::SNS::Topic');
    const [, policy] = resourceOf(template, 'AWS::SNS::TopicPolicy');
    expect(policy.Properties.Topics).toEqual([{ Ref: topicId }]);
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const publish = statements.find((statement) => statement.Effect === 'Allow');
    expect(publish).toMatchObject({
      Action: 'sns:Publish',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
    expect(JSON.stringify(publish)).toContain(':alarm:Muster-*');
    expect(statements).toHaveLength(2);
  });

  it('subscribes the address of -c alarmEmail to the topic, and nobody without it', () => {
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toEqual([]);
    const subscribed = synthesize({ nag: false, alarmEmail: 'oncall@example.com' });
    subscribed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
    expect(() => synthesize({ nag: false, alarmEmail: 'oncall at example.com' })).toThrow(
      'alarmEmail: oncall at example.com is not an email address',
    );
  });

  it('alarms on each queue’s dead letters, on its oldest message, and on dead letters about to expire', () => {
    for (const queue of Object.values(queues)) {
      const ids = queueIds(queue.name);
      const queueDimension = (id: string) => [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } },
      ];
      const dlq = ids.deadLetterQueue;
      expect(alarmNamed(template, `${queue.name}-dead-letters`)).toMatchObject({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: queueDimension(dlq),
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      expect(alarmNamed(template, `${queue.name}-oldest-message`)).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: queueDimension(ids.queue),
        Threshold: 15 * 60,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(alarmNamed(template, `${queue.name}-dead-letters-expiring`)).toMatchObject({
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: queueDimension(dlq),
        Threshold: 10 * 24 * 3600,
      });
    }
  });

  it('alarms on the errors and the throttles of every function of the shared definition', () => {
    const functionAlarms = alarmsOf(template).filter((alarm) => alarm.Namespace === 'AWS/Lambda');
    expect(functionAlarms).toHaveLength(Object.keys(functions).length * 2);
    for (const { name } of Object.values(functions)) {
      const dimensions = [
        {
          Name: 'FunctionName',
          Value: { Ref: idOf('AWS::Lambda::Function', `${pascalCase(name)}Function`) },
        },
      ];
      for (const [suffix, metric] of [
        ['errors', 'Errors'],
        ['throttles', 'Throttles'],
      ]) {
        expect(alarmNamed(template, `${name}-${suffix}`), name).toMatchObject({
          MetricName: metric,
          Dimensions: dimensions,
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    }
  });

  it('alarms on the API’s share of 5xx answers and on its p99 latency, given enough requests to judge', () => {
    const apiDimension = [{ Name: 'ApiId', Value: { Ref: idOf('AWS::ApiGatewayV2::Api', 'HttpApi') } }];
    const metricsOf = (alarm: AlarmResource['Properties']) =>
      Object.fromEntries(
        (alarm.Metrics ?? [])
          .filter((query) => query.MetricStat)
          .map((query) => [query.Id, query.MetricStat!] as const),
      );
    const rate = alarmNamed(template, 'api-5xx-rate');
    expect(rate.Metrics?.find((query) => query.ReturnData !== false)?.Expression).toBe(
      'IF(requests >= 20, 100 * errors / requests, 0)',
    );
    expect(metricsOf(rate)).toEqual({
      errors: {
        Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: apiDimension },
        Period: 300,
        Stat: 'Sum',
      },
      requests: {
        Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: apiDimension },
        Period: 300,
        Stat: 'SampleCount',
      },
    });
    expect(rate).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
    const latency = alarmNamed(template, 'api-latency-p99');
    expect(latency.Metrics?.find((query) => query.ReturnData !== false)?.Expression).toBe(
      'IF(requests >= 20, latency, 0)',
    );
    expect(metricsOf(latency).latency).toEqual({
      Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Latency', Dimensions: apiDimension },
      Period: 300,
      Stat: 'p99',
    });
    expect(latency).toMatchObject({ Threshold: 5000, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
  });

  it('alarms when no advisory source has synced for two days, as well as on each source’s hour', () => {
    const sources = parseAdvisorySources(testSources);
    sources.forEach((source, index) => {
      expect(alarmNamed(template, `advisory-source-${index + 1}-stale`).AlarmDescription).toContain(
        source.id,
      );
    });
    const stale = alarmNamed(template, 'advisory-sync-stale');
    expect(stale).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    });
    const queries = stale.Metrics ?? [];
    expect(queries.find((query) => query.ReturnData !== false)?.Expression).toBe('SUM([source1, source2])');
    expect(queries.filter((query) => query.MetricStat).map((query) => query.MetricStat)).toEqual(
      sources.map((source) => ({
        Metric: {
          Namespace: metricsNamespace,
          MetricName: sourceSyncedMetric,
          Dimensions: [
            { Name: 'service', Value: metricsService },
            { Name: 'source', Value: source.id },
          ],
        },
        Period: 24 * 3600,
        Stat: 'Sum',
      })),
    );
    const none = synthesize({ nag: false, advisorySources: '' });
    expect(alarmsOf(none).filter((alarm) => alarm.AlarmName.startsWith('Muster-advisory'))).toEqual([]);
  });

  it('alarms on weekly summaries the work consumer could not send', () => {
    expect(alarmNamed(template, 'weekly-summary-failures')).toMatchObject({
      Namespace: metricsNamespace,
      MetricName: workMetrics.failed,
      Dimensions: [
        { Name: 'kind', Value: 'summary' },
        { Name: 'service', Value: metricsService },
      ],
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarmNamed(template, 'weekly-summary-errors').MetricName).toBe('Errors');
  });

  it('looks back no further than CloudWatch allows, and refuses to synthesize an alarm that would', () => {
    for (const alarm of alarmsOf(template)) {
      const periods = [
        alarm.Period ?? 0,
        ...(alarm.Metrics ?? []).map((query) => query.MetricStat?.Period ?? 0),
      ];
      const period = Math.max(...periods);
      const window = period * alarm.EvaluationPeriods;
      expect(window, alarm.AlarmName).toBeLessThanOrEqual(period < 3600 ? 24 * 3600 : 7 * 24 * 3600);
    }
    expect(() => checkEvaluationWindow('daily', 24 * 3600, 8)).toThrow(
      'alarm daily looks back 691200 seconds; CloudWatch allows 604800',
    );
    expect(() => checkEvaluationWindow('minutes', 300, 289)).toThrow('CloudWatch allows 86400');
    expect(() => checkEvaluationWindow('weekly', 24 * 3600, 7)).not.toThrow();
  });
});

/**
 * The dashboard's body as CloudWatch reads it, each reference of the template written as
 * `ref:<logical id>` (or `<logical id>.<attribute>`).
 */
function dashboardBody(from: Template): {
  widgets: { type: string; properties: { title?: string; alarms?: string[]; metrics?: unknown[][] } }[];
} {
  const [, dashboard] = resourceOf(from, 'AWS::CloudWatch::Dashboard');
  const body = dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const reference = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return reference.Ref ? `ref:${reference.Ref}` : `ref:${reference['Fn::GetAtt']!.join('.')}`;
    })
    .join('');
  return JSON.parse(text);
}

describe('operations dashboard', () => {
  it('shows every alarm, and each queue, function and the API, the work by kind, its request units and the advisory syncs', () => {
    const { widgets } = dashboardBody(template);
    const alarmWidget = widgets.find((widget) => widget.type === 'alarm')!;
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmWidget.properties.alarms?.sort()).toEqual(alarmIds.map((id) => `ref:${id}.Arn`).sort());

    const graphs = Object.fromEntries(
      widgets
        .filter((widget) => widget.type === 'metric')
        .map((widget) => [widget.properties.title, JSON.stringify(widget.properties.metrics)]),
    );
    for (const queue of Object.values(queues)) {
      const ids = queueIds(queue.name);
      const queueName = `ref:${ids.queue}.QueueName`;
      const dlqName = `ref:${ids.deadLetterQueue}.QueueName`;
      expect(graphs[`${queue.name}: messages`]).toContain(queueName);
      expect(graphs[`${queue.name}: oldest message (seconds)`]).toContain(queueName);
      expect(graphs[`${queue.name}-dlq: dead letters`]).toContain(dlqName);
    }
    for (const { name } of Object.values(functions)) {
      const functionName = `ref:${idOf('AWS::Lambda::Function', `${pascalCase(name)}Function`)}`;
      for (const title of ['Function errors', 'Function throttles', 'Function duration p99 (ms)']) {
        expect(graphs[title], `${title} ${name}`).toContain(functionName);
      }
    }
    const apiId = `ref:${idOf('AWS::ApiGatewayV2::Api', 'HttpApi')}`;
    for (const title of ['API requests', 'API errors', 'API latency (ms)'])
      expect(graphs[title]).toContain(apiId);
    expect(graphs['Work succeeded, by kind']).toContain(`MetricName=\\"${workMetrics.succeeded}\\"`);
    expect(graphs['Work failed, by kind']).toContain(`MetricName=\\"${workMetrics.failed}\\"`);
    expect(graphs['Request units consumed by the work']).toContain(capacityMetrics.read);
    expect(graphs['Request units consumed by the work']).toContain(capacityMetrics.write);
    for (const source of parseAdvisorySources(testSources)) {
      expect(graphs['Advisory syncs per hour, by source']).toContain(source.id);
    }
  });

  it('is one dashboard, named after the stack, whose console URL is an output', () => {
    const [id, dashboard] = resourceOf(template, 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('Muster');
    const url = JSON.stringify(template.toJSON().Outputs.OperationsDashboardUrl);
    expect(url).toContain('#dashboards/dashboard/');
    expect(url).toContain(JSON.stringify({ Ref: id }));
  });
});

type Behavior = {
  PathPattern?: string;
  TargetOriginId: string;
  ViewerProtocolPolicy: string;
  CachePolicyId: string;
  OriginRequestPolicyId?: string;
  AllowedMethods?: string[];
  ResponseHeadersPolicyId: unknown;
};

type DistributionConfig = {
  DefaultRootObject?: string;
  HttpVersion?: string;
  PriceClass?: string;
  Logging?: { Bucket: unknown; IncludeCookies: boolean };
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: {
    Id: string;
    DomainName: unknown;
    OriginAccessControlId?: unknown;
    CustomOriginConfig?: Record<string, unknown>;
  }[];
};

type PolicyStatementJson = {
  Effect: string;
  Action: string | string[];
  Principal?: unknown;
  Condition?: unknown;
  Resource: unknown;
};

const resourcesOf = (from: Template, type: string) =>
  Object.entries(from.findResources(type) as Record<string, Resource>);

/** The one resource of the type whose logical id starts with the prefix. */
function resourceOf(from: Template, type: string, prefix = ''): [string, Resource] {
  const found = resourcesOf(from, type).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}`).toHaveLength(1);
  return found[0]!;
}

function distributionOf(from: Template): { id: string; config: DistributionConfig } {
  const [id, distribution] = resourceOf(from, 'AWS::CloudFront::Distribution');
  return { id, config: distribution.Properties.DistributionConfig as DistributionConfig };
}

const environmentOf = (lambda: Resource) =>
  (lambda.Properties.Environment as { Variables: Record<string, unknown> }).Variables;

/** A CloudFront path pattern (`*` any characters, `?` one) as a regular expression. */
const pathPattern = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** The header values a response headers policy sets, as a browser receives them. */
function headersSetBy(config: {
  SecurityHeadersConfig: {
    ContentSecurityPolicy?: { ContentSecurityPolicy: string; Override: boolean };
    StrictTransportSecurity?: {
      AccessControlMaxAgeSec: number;
      IncludeSubdomains?: boolean;
      Preload?: boolean;
      Override: boolean;
    };
    ContentTypeOptions?: { Override: boolean };
    FrameOptions?: { FrameOption: string; Override: boolean };
    ReferrerPolicy?: { ReferrerPolicy: string; Override: boolean };
  };
  CustomHeadersConfig?: { Items: { Header: string; Value: string; Override: boolean }[] };
}): Record<string, string> {
  const security = config.SecurityHeadersConfig;
  const headers: Record<string, string> = {};
  const overrides: boolean[] = [];
  if (security.ContentSecurityPolicy) {
    headers['content-security-policy'] = security.ContentSecurityPolicy.ContentSecurityPolicy;
    overrides.push(security.ContentSecurityPolicy.Override);
  }
  if (security.StrictTransportSecurity) {
    const hsts = security.StrictTransportSecurity;
    headers['strict-transport-security'] = [
      `max-age=${hsts.AccessControlMaxAgeSec}`,
      ...(hsts.IncludeSubdomains ? ['includeSubDomains'] : []),
      ...(hsts.Preload ? ['preload'] : []),
    ].join('; ');
    overrides.push(hsts.Override);
  }
  if (security.ContentTypeOptions) {
    headers['x-content-type-options'] = 'nosniff';
    overrides.push(security.ContentTypeOptions.Override);
  }
  if (security.FrameOptions) {
    headers['x-frame-options'] = security.FrameOptions.FrameOption;
    overrides.push(security.FrameOptions.Override);
  }
  if (security.ReferrerPolicy) {
    headers['referrer-policy'] = security.ReferrerPolicy.ReferrerPolicy;
    overrides.push(security.ReferrerPolicy.Override);
  }
  for (const custom of config.CustomHeadersConfig?.Items ?? []) {
    headers[custom.Header.toLowerCase()] = custom.Value;
    overrides.push(custom.Override);
  }
  // Every header replaces whatever the bucket or the API sent.
  expect(overrides.every(Boolean)).toBe(true);
  return headers;
}

/** The logical ids a template value refers to: Ref, Fn::GetAtt and Fn::Sub. */
function referencesIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencesIn(item, into);
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt') into.add(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name] of String(text).matchAll(/\$\{([^}.!]+)/g)) into.add(name!);
        if (Array.isArray(inner)) referencesIn(inner[1], into);
      } else referencesIn(inner, into);
    }
  }
  return into;
}

describe('DashboardSite', () => {
  it('keeps the site in a private bucket that only the distribution reads, through origin access control', () => {
    const { id: distributionId, config } = distributionOf(template);
    const [bucketId, bucket] = resourceOf(template, 'AWS::S3::Bucket', 'DashboardBucket');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });

    const policies = resourcesOf(template, 'AWS::S3::BucketPolicy').filter(
      ([, policy]) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(policies).toHaveLength(1);
    const statements = (policies[0]![1].Properties.PolicyDocument as { Statement: PolicyStatementJson[] })
      .Statement;
    // Reading objects, by CloudFront on behalf of this distribution alone; nothing else is allowed.
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: distributionId },
                ],
              ],
            },
          },
        },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
      },
    ]);
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      expect.objectContaining({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);

    const [accessControlId, accessControl] = resourceOf(template, 'AWS::CloudFront::OriginAccessControl');
    expect(accessControl.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    const siteOrigin = config.Origins.find(
      (origin) =>
        JSON.stringify(origin.DomainName) ===
        JSON.stringify({ 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }),
    );
    expect(siteOrigin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [accessControlId, 'Id'] });
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(siteOrigin!.Id);
  });

  it('sends /v1/* and /health to the HTTP API uncached, with every method and all of the request but its Host', () => {
    const { config } = distributionOf(template);
    const [apiId] = resourceOf(template, 'AWS::ApiGatewayV2::Api');
    const apiOrigins = config.Origins.filter((origin) => origin.CustomOriginConfig);
    expect(apiOrigins).toHaveLength(1);
    const [apiOrigin] = apiOrigins;
    expect(apiOrigin!.DomainName).toEqual({
      'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] }] }],
    });
    expect(apiOrigin!.CustomOriginConfig).toEqual({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });

    expect(config.CacheBehaviors.map((behavior) => behavior.PathPattern).sort()).toEqual([
      '/health',
      '/v1/*',
    ]);
    for (const behavior of config.CacheBehaviors) {
      expect(behavior, behavior.PathPattern).toMatchObject({
        TargetOriginId: apiOrigin!.Id,
        ViewerProtocolPolicy: 'https-only',
        // Managed policies: CachingDisabled, and AllViewerExceptHostHeader, which with caching disabled
        // forwards cookies, query strings, Authorization and X-CSRF-Token.
        CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
        OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      });
      expect([...(behavior.AllowedMethods ?? [])].sort()).toEqual(
        [...AllowedMethods.ALLOW_ALL.methods].sort(),
      );
    }
    expect(CachePolicy.CACHING_DISABLED.cachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    expect(OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId).toBe(
      'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    );

    // Every route of the API is behind the API's behaviors, and none of the site's files is.
    const toApi = (path: string) =>
      config.CacheBehaviors.some((behavior) => pathPattern(behavior.PathPattern!).test(path));
    for (const route of routes) {
      expect(toApi(route.path.replace(/\{[^}]+\}/g, 'x')), route.path).toBe(true);
    }
    for (const path of ['/', ...testDashboard.keys()]) expect(toApi(path), path).toBe(false);
  });

  it('sets exactly dashboardSecurityHeaders on every response, of the site and of the API', () => {
    const [policyId, policy] = resourceOf(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const config = policy.Properties.ResponseHeadersPolicyConfig as Parameters<typeof headersSetBy>[0];
    expect(config.SecurityHeadersConfig.ContentSecurityPolicy?.ContentSecurityPolicy).toBe(
      dashboardSecurityHeaders['content-security-policy'],
    );
    expect(headersSetBy(config)).toEqual(dashboardSecurityHeaders);
    const { config: distribution } = distributionOf(template);
    for (const behavior of [distribution.DefaultCacheBehavior, ...distribution.CacheBehaviors]) {
      expect(behavior.ResponseHeadersPolicyId, behavior.PathPattern ?? 'default').toEqual({ Ref: policyId });
    }
  });

  it('serves index.html at the root over HTTPS, HTTP/2 and 3, from price class 100, logging without cookies', () => {
    const { config } = distributionOf(template);
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
      Logging: { IncludeCookies: false },
    });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const [logsId, logs] = resourceOf(template, 'AWS::S3::Bucket', 'DashboardAccessLogs');
    expect(config.Logging?.Bucket).toEqual({ 'Fn::GetAtt': [logsId, 'RegionalDomainName'] });
    expect(logs.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: { Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }] },
    });
  });

  it('uploads each file with its type and caching, the assets before the page, and invalidates the page', () => {
    const { id: distributionId } = distributionOf(template);
    const [bucketId] = resourceOf(template, 'AWS::S3::Bucket', 'DashboardBucket');
    const deployments = resourcesOf(template, 'Custom::CDKBucketDeployment');
    const uploadedBy = new Map<string, string>();
    for (const [id, deployment] of deployments) {
      expect(deployment.Properties).toMatchObject({ DestinationBucketName: { Ref: bucketId }, Prune: false });
      const metadata = deployment.Properties.SystemMetadata as Record<string, string>;
      const [key] = deployment.Properties.SourceObjectKeys as string[];
      // The directory that cdk deploy zips and uploads as the deployment's source.
      for (const name of readdirSync(join(directory, `asset.${key!.replace(/\.zip$/, '')}`))) {
        const built = testDashboard.get(`/${name}`);
        expect(built, name).toBeDefined();
        expect(metadata, name).toEqual({
          'content-type': built!.contentType,
          'cache-control': built!.cacheControl,
        });
        uploadedBy.set(`/${name}`, id);
      }
    }
    expect([...uploadedBy.keys()].sort()).toEqual([...testDashboard.keys()].sort());

    const [pageId, page] = deployments.find(([id]) => id === uploadedBy.get('/index.html'))!;
    expect(page.Properties).toMatchObject({
      DistributionId: { Ref: distributionId },
      DistributionPaths: expect.arrayContaining(['/index.html']),
    });
    for (const [id, deployment] of deployments.filter(([id]) => id !== pageId)) {
      expect(page.DependsOn, id).toContain(id);
      expect(deployment.Properties.DistributionPaths, id).toBeUndefined();
    }
  });

  it('outputs the dashboard URL and links emails and pull-request comments to it', () => {
    const { id } = distributionOf(template);
    const url = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id, 'DomainName'] }]] };
    template.hasOutput('DashboardUrl', { Value: url });
    const lambdas = Object.values(musterFunctions(template));
    expect(lambdas).toHaveLength(Object.keys(functions).length);
    for (const lambda of lambdas) expect(environmentOf(lambda).DASHBOARD_URL).toEqual(url);
  });

  it('links to the URL given with -c dashboardUrl instead, and still outputs its own', () => {
    const given = synthesize({ nag: false, dashboardUrl: 'https://muster.example.com' });
    for (const lambda of Object.values(musterFunctions(given))) {
      expect(environmentOf(lambda).DASHBOARD_URL).toBe('https://muster.example.com');
    }
    const { id } = distributionOf(given);
    given.hasOutput('DashboardUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id, 'DomainName'] }]] },
    });
  });

  it('builds the distribution from the API alone, so that every function can link to it', () => {
    // Template.fromStack refuses a template with a dependency cycle; this says why there is none.
    const { id } = distributionOf(template);
    const distribution = template.toJSON().Resources[id] as { DependsOn?: string[] };
    const needs = [...referencesIn(distribution), ...(distribution.DependsOn ?? [])];
    const [apiId] = resourceOf(template, 'AWS::ApiGatewayV2::Api');
    expect(needs).toContain(apiId);
    const routesAndFunctions = [
      ...resourcesOf(template, 'AWS::ApiGatewayV2::Route'),
      ...resourcesOf(template, 'AWS::ApiGatewayV2::Integration'),
      ...resourcesOf(template, 'AWS::Lambda::Function'),
    ].map(([other]) => other);
    expect(needs.filter((other) => routesAndFunctions.includes(other))).toEqual([]);
  });
});

import { fileURLToPath } from 'node:url';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  type FunctionDefinition,
  type TableAccess,
  type TableWrite,
  table as tableDefinition,
} from '../../shared/resources.ts';
import { matchesIamPattern } from './iam-pattern.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface MusterFunctionProps {
  definition: FunctionDefinition;
  environment?: Record<string, string>;
}

const tableReadActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];

/**
 * A Lambda function with Muster's defaults: Node 22 on arm64, an ES module bundle minified with source
 * maps, a log group with a retention, JSON logs without the platform's per-invocation lines, and a role
 * of its own that may write only to that log group until the stack grants it what its definition says
 * it uses.
 */
export class MusterFunction extends Construct {
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, { definition, environment = {} }: MusterFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${projectRoot}/${definition.entry}`,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: `${projectRoot}/package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: definition.memoryMb,
      timeout: Duration.seconds(definition.timeoutSeconds),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      // The platform's START/END/REPORT lines would triple log ingestion; metrics carry the same durations.
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'muster',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS and call require(); an ES module bundle has to provide it.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime Muster is built and tested on, locally and in CI; it moves up deliberately.',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(logGroup)}.Arn>:*]`,
      reason:
        'Lambda names its log streams at run time; the grant is limited to this function’s own log group.',
    });
  }

  /**
   * Grants the table access the definition declares: reads of the table (and of its index, for a
   * function that queries it), and each write only on the partitions it names.
   */
  useTable(table: ITable, access: TableAccess): void {
    this.function.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: tableReadActions,
        resources: [table.tableArn, ...(access.queriesIndex ? [`${table.tableArn}/index/*`] : [])],
      }),
    );
    if (access.queriesIndex) {
      Validations.of(this.function.role!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId(table)}.Arn>/index/*]`,
        reason:
          'Queries read the table’s own global secondary index; the wildcard covers only this table’s indexes.',
      });
    }
    for (const write of access.writes ?? []) {
      this.function.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: write.actions.map((action) => `dynamodb:${action}`),
          resources: [table.tableArn],
          conditions:
            write.partitions === 'any'
              ? undefined
              : { ...leadingKeysCondition(write.partitions, write), ...attributesCondition(write) },
        }),
      );
    }
  }

  /** May send from this address and no other; raw messages, which alone carry List-Unsubscribe. */
  sendEmailFrom(address: string): void {
    const stack = Stack.of(this);
    const domain = address.split('@')[1] ?? address;
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendRawEmail'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: address }),
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: domain }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': address } },
      }),
    );
  }
}

/**
 * The condition that limits a write to the partitions it names: every partition key of the request
 * (one, or a batch's) matches one of `partitions` and none of `except`. ForAllValues also holds for a
 * request that carries no partition key at all, which the Null check rules out.
 */
function leadingKeysCondition(
  partitions: string[],
  { except = [], why }: Pick<TableWrite, 'except' | 'why'>,
): Record<string, unknown> {
  for (const partition of partitions) {
    // A key of the partition, each `*` standing for a name: an exception must not take it away.
    const key = partition.replaceAll('*', 'name').replaceAll('?', 'n');
    const excluding = except.find((pattern) => matchesIamPattern(pattern, key));
    if (excluding)
      throw new Error(`the write that ${why} excepts ${excluding}, which takes away ${partition}`);
  }
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions },
    ...(except.length ? { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': except } } : {}),
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}

/**
 * The condition that limits a write to the key and the attributes it names, as AWS's fine-grained
 * access control has it: no other attribute may be set, removed or tested, and the answer may return
 * only what was updated.
 */
function attributesCondition({ attributes }: Pick<TableWrite, 'attributes'>): Record<string, unknown> {
  if (!attributes) return {};
  return {
    'ForAllValues:StringEquals': {
      'dynamodb:Attributes': [tableDefinition.partitionKey, tableDefinition.sortKey, ...attributes],
    },
    StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
  };
}

/** The logical id of a construct's CloudFormation resource, as cdk-nag names it in a finding. */
function logicalId(construct: Construct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

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
import type { FunctionDefinition } from '../../shared/resources.ts';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface MusterFunctionProps {
  definition: FunctionDefinition;
  environment?: Record<string, string>;
}

const tableReadActions = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const tableWriteActions = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

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

  /** Grants exactly the table actions the definition declares: reads, or reads and writes. */
  useTable(table: ITable, access: 'read' | 'read-write'): void {
    const actions = access === 'read' ? tableReadActions : [...tableReadActions, ...tableWriteActions];
    this.function.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions,
        resources: [table.tableArn, `${table.tableArn}/index/*`],
      }),
    );
    Validations.of(this.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId(table)}.Arn>/index/*]`,
      reason:
        'Queries read the table’s own global secondary indexes; the wildcard covers only this table’s indexes.',
    });
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

/** The logical id of a construct's CloudFormation resource, as cdk-nag names it in a finding. */
function logicalId(construct: Construct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EmailIdentity, Identity } from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import type { AdvisorySource } from '../shared/advisory-sources.ts';
import { downloadPrefix } from '../shared/downloads.ts';
import {
  claimCheckPrefix,
  type FunctionName,
  functions,
  queues,
  reportUploads,
  schedules,
  uploadKinds,
} from '../shared/resources.ts';
import { DashboardSite } from './constructs/dashboard-site.ts';
import { GitHubAppKey } from './constructs/github-app-key.ts';
import { MusterHttpApi } from './constructs/http-api.ts';
import { InventoryTable } from './constructs/inventory-table.ts';
import { MessageQueue } from './constructs/message-queue.ts';
import { MusterFunction } from './constructs/muster-function.ts';
import { OperationsAlarms } from './constructs/operations-alarms.ts';
import { OperationsDashboard } from './constructs/operations-dashboard.ts';
import { PayloadBucket } from './constructs/payload-bucket.ts';
import { ScheduledInvocation } from './constructs/scheduled-invocation.ts';
import type { DashboardFiles } from './dashboard/build.ts';

export interface MusterStackProps extends StackProps {
  /** Sender of alerts and the weekly summary; SES sends a verification email to it on deploy. */
  summaryFrom: string;
  /** Linked from alerts, the weekly summary and pull-request comments; by default the stack's own site. */
  dashboardUrl?: string;
  /** The dashboard's build (infra/dashboard/build.ts), which the site serves. */
  dashboard: DashboardFiles;
  /** Where advisories come from, synced every ten minutes (see shared/advisory-sources.ts). */
  advisorySources: AdvisorySource[];
  /**
   * The GitHub App that gives feedback on pull requests; its private key goes into the secret the
   * stack makes (output GitHubAppPrivateKeySecret). Without it, scans are stored and compared and no
   * feedback is sent.
   */
  gitHubApp?: { appId: string; apiUrl: string };
  /** Receives the alarms by email (`-c alarmEmail=...`); SNS asks it to confirm. Without it, subscribe to AlarmTopicArn. */
  alarmEmail?: string;
}

/**
 * Muster on AWS, in the order a heartbeat travels: the HTTP API and its ingest functions, the dashboard
 * served with the API from one CloudFront distribution, the queues (with a bucket for large messages)
 * and their consumers, the inventory table, the lookup, and the scheduled summary and retirement; then
 * the alarms, which go to one SNS topic, and the CloudWatch dashboard that operates it all.
 */
export class MusterStack extends Stack {
  constructor(scope: Construct, id: string, props: MusterStackProps) {
    super(scope, id, props);

    const { table } = new InventoryTable(this, 'Inventory');
    const handlers = Object.fromEntries(
      Object.values(functions).map((definition) => [
        definition.name,
        new MusterFunction(this, pascal(definition.name), {
          definition,
          environment: {
            TABLE_NAME: table.tableName,
            SUMMARY_FROM: props.summaryFrom,
          },
        }),
      ]),
    ) as Record<FunctionName, MusterFunction>;

    const api = new MusterHttpApi(this, 'Http', handlers);
    // The dashboard and the API behind one distribution: one origin, so no CORS.
    const site = new DashboardSite(this, 'Dashboard', { api: api.api, files: props.dashboard });
    const dashboardUrl = props.dashboardUrl ?? site.url;

    const payloads = new PayloadBucket(this, 'Payloads');
    const messageQueues = Object.values(queues).map((definition) => ({
      definition,
      queue: new MessageQueue(
        this,
        `${pascal(definition.name)}Queue`,
        definition,
        definition.consumer ? handlers[definition.consumer] : undefined,
      ),
    }));

    for (const definition of Object.values(functions)) {
      const handler = handlers[definition.name];
      // Links in emails and pull-request comments open the dashboard.
      handler.function.addEnvironment('DASHBOARD_URL', dashboardUrl);
      if (definition.table) handler.useTable(table, definition.table);
      const sendsTo = definition.sendsWork?.length ? ['work'] : [];
      for (const { definition: queueDefinition, queue } of messageQueues) {
        if (!sendsTo.includes(queueDefinition.name)) continue;
        queue.queue.grantSendMessages(handler.function);
        handler.function.addEnvironment(queueDefinition.urlEnv, queue.queue.queueUrl);
      }
      for (const kind of uploadKinds.filter((kind) => definition.sendsWork?.includes(kind))) {
        payloads.allow(handler, 'write', claimCheckPrefix(kind));
      }
      if (definition.readsPayloads) {
        for (const kind of uploadKinds) payloads.allow(handler, 'read', claimCheckPrefix(kind));
      }
      if (definition.receivesReportUploads) {
        // A presigned URL carries the signer's rights: CI's PUT needs s3:PutObject on the upload.
        payloads.allow(handler, 'write', reportUploads.prefix);
        payloads.allow(handler, 'read', reportUploads.prefix);
      }
      if (definition.publishesDownloads) {
        payloads.allow(handler, 'write', downloadPrefix);
        // A presigned URL carries the signer's rights: the download needs s3:GetObject on the file.
        payloads.allow(handler, 'read', downloadPrefix);
      }
      if (definition.sendsEmail) {
        handler.sendEmailFrom(props.summaryFrom);
        // Unsubscribe links in each email point at the API.
        handler.function.addEnvironment('API_URL', api.url);
      }
      if (definition.knowsAdvisorySources)
        handler.function.addEnvironment(
          'ADVISORY_SOURCES',
          props.advisorySources.map(({ id }) => id).join(','),
        );
    }

    if (props.gitHubApp) {
      const gitHubAppKey = new GitHubAppKey(this, 'GitHubAppKey');
      for (const definition of Object.values(functions).filter((definition) => definition.callsGitHub)) {
        const handler = handlers[definition.name];
        gitHubAppKey.allowRead(handler);
        handler.function.addEnvironment('GITHUB_APP_ID', props.gitHubApp.appId);
        handler.function.addEnvironment('GITHUB_API_URL', props.gitHubApp.apiUrl);
      }
      // Put the App's private key (PEM) here after the first deploy.
      new CfnOutput(this, 'GitHubAppPrivateKeySecret', { value: gitHubAppKey.secret.secretArn });
    }

    new EmailIdentity(this, 'SummarySender', { identity: Identity.email(props.summaryFrom) });

    for (const schedule of schedules) {
      new ScheduledInvocation(
        this,
        `${pascal(schedule.name)}Schedule`,
        schedule,
        handlers[schedule.function],
      );
    }

    const operations = {
      functions: handlers,
      queues: messageQueues,
      api: api.api,
      advisorySources: props.advisorySources,
    };
    const alarms = new OperationsAlarms(this, 'Alarms', { ...operations, alarmEmail: props.alarmEmail });
    const operationsDashboard = new OperationsDashboard(this, 'Operations', {
      ...operations,
      alarms: alarms.alarms,
    });

    new CfnOutput(this, 'ApiUrl', { value: api.url });
    new CfnOutput(this, 'DashboardUrl', { value: site.url });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    // Every alarm goes here; subscribe more than -c alarmEmail with SNS.
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn });
    new CfnOutput(this, 'OperationsDashboardUrl', { value: operationsDashboard.url });
    const work = messageQueues.find(({ definition }) => definition.name === 'work')!;
    // The CLI's advisory import and sync, and its summary send, against this stack put their work here
    // (WORK_QUEUE_URL).
    new CfnOutput(this, 'WorkQueueUrl', { value: work.queue.queue.queueUrl });
    for (const { definition, queue } of messageQueues) {
      new CfnOutput(this, `${pascal(definition.name)}DeadLetterQueueUrl`, {
        value: queue.deadLetterQueue.queueUrl,
      });
    }
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}

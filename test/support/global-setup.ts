import type { TestProject } from 'vitest/node';
import {
  provisionPayloadBucket,
  provisionQueues,
  provisionTable,
  type QueueUrls,
} from '../../infra/local/provision.ts';
import { startLocalServers } from '../../infra/local/servers.ts';

export interface TestServers {
  dynamodb: string;
  sqs: string;
  s3: string;
  ses: string;
  queueUrls: QueueUrls;
}

declare module 'vitest' {
  export interface ProvidedContext {
    servers: TestServers;
  }
}

/**
 * One set of local AWS servers (dynalite, fauxqs, aws-ses-v2-local) for the whole run, with the
 * table and queues created from the shared definitions. Tests isolate themselves by organization.
 */
export default async function setup(project: TestProject) {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const servers = await startLocalServers();
  await provisionTable(servers.dynamodb);
  const queueUrls = await provisionQueues(servers.sqs);
  await provisionPayloadBucket(servers.s3);
  project.provide('servers', {
    dynamodb: servers.dynamodb,
    sqs: servers.sqs,
    s3: servers.s3,
    ses: servers.ses,
    queueUrls,
  });
  return () => servers.stop();
}

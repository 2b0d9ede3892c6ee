import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { useLocalAws } from '../../infra/local/aws-environment.ts';
import { provisionQueues } from '../../infra/local/provision.ts';
import { payloadBucket, queues, table } from '../../shared/resources.ts';

/**
 * Runs before each test file imports anything: points the AWS SDK at the run's local servers, gives
 * the file queues of its own (files run in parallel and must not receive each other's messages), and
 * sets the variables the functions read, as the local stack and the CDK stack do.
 */
const servers = inject('servers');
useLocalAws(servers);
export const testQueues = await provisionQueues(servers.sqs, `-${randomUUID().slice(0, 8)}`);
process.env.TABLE_NAME = table.name;
process.env[payloadBucket.envVariable] = payloadBucket.name;
for (const queue of Object.values(queues)) process.env[queue.urlEnv] = testQueues[queue.name].url;
process.env.API_URL = 'https://muster.test/';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

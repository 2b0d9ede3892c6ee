import type { LocalServers } from './servers.ts';

export const localRegion = 'us-east-1';
export const localAccount = '000000000000';

/**
 * Points every AWS SDK client in this process at the local servers. The SDK reads the service-specific
 * endpoint variables itself, so handlers run unchanged: the same code talks to AWS when deployed.
 */
export function useLocalAws(servers: Pick<LocalServers, 'dynamodb' | 'sqs' | 's3' | 'ses'>): void {
  Object.assign(process.env, {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: servers.dynamodb,
    AWS_ENDPOINT_URL_SQS: servers.sqs,
    AWS_ENDPOINT_URL_S3: servers.s3,
    AWS_ENDPOINT_URL_SES: servers.ses,
  });
}

/** The path-style queue URL that fauxqs resolves by name on its own address. */
export const localQueueUrl = (sqsEndpoint: string, name: string): string =>
  `${sqsEndpoint}/${localAccount}/${name}`;

export const localQueueArn = (name: string): string => `arn:aws:sqs:${localRegion}:${localAccount}:${name}`;

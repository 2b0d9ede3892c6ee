import type { S3ClientConfig } from '@aws-sdk/client-s3';

/** A custom endpoint (the local S3 server on an IP address) cannot take bucket names as host names. */
export const s3Options = (): S3ClientConfig => ({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });

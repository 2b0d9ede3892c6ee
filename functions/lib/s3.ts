import { S3Client } from '@aws-sdk/client-s3';

// A custom endpoint (the local S3 server on an IP address) cannot take bucket names as host names.
export const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });

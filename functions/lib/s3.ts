import { S3Client } from '@aws-sdk/client-s3';
import { s3Options } from './s3-options.ts';

export const s3 = new S3Client(s3Options());

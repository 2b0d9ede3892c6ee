import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { payloadBucketName } from './payload-bucket.ts';
import { s3 } from './s3.ts';

export interface Download {
  key: string;
  body: string;
  contentType: string;
  /** The name a browser saves it under. */
  filename: string;
  /** How long the URL works. */
  expiresInSeconds: number;
}

/**
 * Stores a file in the payload bucket and answers a presigned URL that downloads it: for an answer too
 * large for a Lambda response. The URL carries the signer's rights (s3:GetObject on the key) for as
 * long as asked; locally it points at the local S3 server.
 */
export async function publishDownload(download: Download): Promise<string> {
  const bucket = payloadBucketName();
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: download.key,
      Body: download.body,
      ContentType: download.contentType,
      ContentDisposition: `attachment; filename="${download.filename}"`,
    }),
  );
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: download.key }), {
    expiresIn: download.expiresInSeconds,
  });
}

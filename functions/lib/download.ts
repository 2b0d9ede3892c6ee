import type { S3Client } from '@aws-sdk/client-s3';
import { payloadBucketName } from './payload-bucket.ts';
import { s3Options } from './s3-options.ts';

export interface Download {
  key: string;
  body: string;
  contentType: string;
  /** The name a browser saves it under. */
  filename: string;
  /** How long the URL works. */
  expiresInSeconds: number;
}

let client: S3Client | undefined;

/**
 * Stores a file in the payload bucket and answers a presigned URL that downloads it: for an answer too
 * large for a Lambda response. The URL carries the signer's rights (s3:GetObject on the key) for as
 * long as asked; locally it points at the local S3 server.
 *
 * Large answers are rare, so the S3 client and the presigner are imported with the first of them. A
 * static import would load them on every cold start of the functions that may publish one: a bundle's
 * imports of the AWS SDK, which the Lambda runtime provides, are hoisted to its top.
 */
export async function publishDownload(download: Download): Promise<string> {
  const [{ GetObjectCommand, PutObjectCommand, S3Client }, { getSignedUrl }] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/s3-request-presigner'),
  ]);
  client ??= new S3Client(s3Options());
  const bucket = payloadBucketName();
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: download.key,
      Body: download.body,
      ContentType: download.contentType,
      ContentDisposition: `attachment; filename="${download.filename}"`,
    }),
  );
  return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: download.key }), {
    expiresIn: download.expiresInSeconds,
  });
}

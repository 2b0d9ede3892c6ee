import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError, PayloadTooLargeError } from '../../shared/errors.ts';
import { reportUploads } from '../../shared/resources.ts';
import { payloadBucketName } from './payload-bucket.ts';
import { s3 } from './s3.ts';

/**
 * Scan reports larger than a request carries, which CI puts into the payload bucket itself (a claim
 * check): a presigned PUT for one organization's upload of one exact size, and reading it back when
 * `POST /v1/scans` names it.
 */

/**
 * Signs uploads without a checksum: by default the SDK signs the CRC32 of the command's body, which at
 * signing time is empty, and S3 would refuse every upload whose body is not.
 */
const presigner = new S3Client({
  forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

/** Keys carry the organization, taken from the caller's key: no organization can name another's upload. */
const uploadKey = (org: string, upload: string) => `${reportUploads.prefix}/${org}/${upload}`;

export const reportContentType = 'application/octet-stream';

export interface ReportUploadTicket {
  upload: string;
  url: string;
  method: 'PUT';
  /** Headers the PUT must send as they are: they are signed. */
  headers: Record<string, string>;
  expires_at: string;
}

/**
 * A presigned PUT of exactly `bytes` bytes: Content-Length is among the signed headers, so S3 refuses
 * a body of any other size (the SDK leaves it unsigned unless asked).
 */
export async function presignReportUpload(
  org: string,
  bytes: number,
  now: Date,
): Promise<ReportUploadTicket> {
  const upload = randomUUID();
  const url = await getSignedUrl(
    presigner,
    new PutObjectCommand({
      Bucket: payloadBucketName(),
      Key: uploadKey(org, upload),
      ContentLength: bytes,
      ContentType: reportContentType,
    }),
    {
      expiresIn: reportUploads.urlExpiresSeconds,
      signableHeaders: new Set(['content-length', 'content-type']),
    },
  );
  return {
    upload,
    url,
    method: 'PUT',
    headers: { 'content-type': reportContentType },
    expires_at: new Date(now.getTime() + reportUploads.urlExpiresSeconds * 1000).toISOString(),
  };
}

/** The text of an uploaded report; 404 when nothing was uploaded under that id, 413 when too large. */
export async function readReportUpload(org: string, upload: string): Promise<string> {
  const object = await s3
    .send(new GetObjectCommand({ Bucket: payloadBucketName(), Key: uploadKey(org, upload) }))
    .catch((error: Error) => {
      if (error.name === 'NoSuchKey' || error.name === 'NotFound')
        throw new NotFoundError(`no report was uploaded as ${upload}, or it has expired`);
      throw error;
    });
  // On AWS the signature holds an upload to its size; the local S3 server checks no signatures.
  if ((object.ContentLength ?? 0) > reportUploads.maxBytes) {
    object.Body?.transformToWebStream().cancel();
    throw new PayloadTooLargeError(`the uploaded report is larger than ${reportUploads.maxBytes} bytes`);
  }
  return object.Body!.transformToString();
}

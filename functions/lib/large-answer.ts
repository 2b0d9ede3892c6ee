import { randomUUID } from 'node:crypto';
import { downloadKey, downloadUrlSeconds } from '../../shared/downloads.ts';
import { publishDownload } from './download.ts';
import { type HttpResult, json } from './http.ts';

export interface FileAnswer {
  org: string;
  body: string;
  contentType: string;
  /** The name a client saves it under; its extension ends the download's key too. */
  filename: string;
  /** The largest body answered in the response itself, as Lambda returns it (see below). */
  inlineBytes: number;
}

/**
 * A file as the answer: in the response when it fits, else in the payload bucket, with a 303 to a
 * presigned URL of it (which fetch and curl -L follow). A Lambda behind API Gateway answers at most
 * 6 MB in all, and the body travels as a JSON string, every quote and backslash of it escaped: the
 * body is measured so.
 */
export async function fileAnswer(answer: FileAnswer): Promise<HttpResult> {
  if (Buffer.byteLength(JSON.stringify(answer.body)) <= answer.inlineBytes) {
    return {
      statusCode: 200,
      headers: {
        'content-type': answer.contentType,
        'content-disposition': `attachment; filename="${answer.filename}"`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: answer.body,
    };
  }
  const extension = answer.filename.slice(answer.filename.lastIndexOf('.') + 1);
  const url = await publishDownload({
    key: downloadKey(answer.org, randomUUID(), extension),
    body: answer.body,
    contentType: answer.contentType,
    filename: answer.filename,
    expiresInSeconds: downloadUrlSeconds,
  });
  const expiresAt = new Date(Date.now() + downloadUrlSeconds * 1000).toISOString();
  return json(303, { url, expires_at: expiresAt }, { location: url });
}

/**
 * Downloads from advisory feeds: conditional (ETag and Last-Modified, so that an unchanged listing
 * costs one short answer), bounded in time and in size, and with every failure turned into a
 * FeedError that says what went wrong in words an operator can act on.
 */

export class FeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedError';
  }
}

/** What a server gave to recognise the version of a document, echoed in the next request. */
export interface Validators {
  etag?: string;
  last_modified?: string;
}

export type Download = { status: 'ok'; bytes: Uint8Array; validators: Validators } | { status: 'unchanged' };

export interface DownloadOptions {
  validators?: Validators;
  /** The whole request, body included. */
  timeoutMs: number;
  maxBytes: number;
  /** Aborts with the rest of a source's work, such as when its time budget runs out. */
  signal?: AbortSignal;
}

async function readBounded(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new FeedError(`${url} is ${declared} bytes, more than the ${maxBytes} accepted`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > maxBytes) throw new FeedError(`${url} is more than the ${maxBytes} bytes accepted`);
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A document, asked conditionally when validators are given: its bytes, or `unchanged`. */
export async function download(url: string, options: DownloadOptions): Promise<Download> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const headers: Record<string, string> = {};
  if (options.validators?.etag) headers['if-none-match'] = options.validators.etag;
  if (options.validators?.last_modified) headers['if-modified-since'] = options.validators.last_modified;
  try {
    const response = await fetch(url, { headers, signal, redirect: 'follow' });
    if (response.status === 304) return { status: 'unchanged' };
    if (!response.ok) {
      await response.body?.cancel();
      throw new FeedError(`${url} answered ${response.status} ${response.statusText}`.trim());
    }
    const bytes = await readBounded(response, url, options.maxBytes);
    const etag = response.headers.get('etag');
    const lastModified = response.headers.get('last-modified');
    return {
      status: 'ok',
      bytes,
      validators: { ...(etag ? { etag } : {}), ...(lastModified ? { last_modified: lastModified } : {}) },
    };
  } catch (error) {
    if (error instanceof FeedError) throw error;
    if (timeout.aborted) throw new FeedError(`${url} did not answer within ${options.timeoutMs / 1000} s`);
    if (options.signal?.aborted) throw new FeedError(`${url}: stopped, the source ran out of time`);
    const cause = (error as Error & { cause?: Error }).cause;
    throw new FeedError(`${url} could not be read: ${cause?.message ?? (error as Error).message}`);
  }
}

/** A document asked unconditionally: its bytes. */
export async function downloadBytes(
  url: string,
  options: Omit<DownloadOptions, 'validators'>,
): Promise<Uint8Array> {
  const result = await download(url, options);
  if (result.status !== 'ok') throw new FeedError(`${url} answered 304 to an unconditional request`);
  return result.bytes;
}

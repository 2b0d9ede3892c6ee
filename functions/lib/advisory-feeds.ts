import { createHash } from 'node:crypto';
import {
  type Listing,
  ListingError,
  parseCveIndex,
  parseModifiedIds,
} from '../../shared/advisory-listing.ts';
import type { AdvisorySource } from '../../shared/advisory-sources.ts';
import {
  type AdvisoryFile,
  advisoryFilesOf,
  isUrl,
  maxArchiveBytes,
  readAdvisoryPath,
} from './advisory-files.ts';
import { download, downloadBytes, FeedError, type Validators } from './feed-client.ts';

/** One record of a feed with the version its listing gives it. */
export interface FeedRecord {
  id: string;
  version: string;
  file: AdvisoryFile;
}

export interface FeedLimits {
  /** Each request's bound, body included; a whole export gets four times as long. */
  timeoutMs: number;
  /** Aborts whatever is in flight when the source's time is up. */
  signal: AbortSignal;
}

export interface AdvisoryFeed {
  /**
   * Whether a record the feed stops listing was withdrawn by its publisher. OSV's directory of an
   * ecosystem drops a record that no longer affects it, and the CNA's index lists only published
   * records; an archive is a set of files someone put together, and a file left out withdraws nothing.
   */
  readonly vanishedAreWithdrawn: boolean;
  /** The source's listing; `unchanged` when the server says the last one (of these validators) stands. */
  list(validators?: Validators): Promise<{ listing: Listing; validators: Validators } | 'unchanged'>;
  /** One listed record; a FeedError when it cannot be had. */
  fetch(id: string, listing: Listing): Promise<AdvisoryFile>;
  /** Every record in one download, for a full sync, where the source offers one. */
  snapshot?(): Promise<FeedRecord[]>;
}

const maxListingBytes = 20 * 1024 * 1024;
const maxRecordBytes = 5 * 1024 * 1024;

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function modifiedOf(content: string): string {
  try {
    const { modified } = JSON.parse(content) as { modified?: unknown };
    return typeof modified === 'string' ? modified : '';
  } catch {
    return '';
  }
}

/** OSV's bucket layout: `modified_id.csv` to list, `<id>.json` per record, `all.zip` for everything. */
function osvFeed(base: string, limits: FeedLimits): AdvisoryFeed {
  const request = { timeoutMs: limits.timeoutMs, signal: limits.signal };
  return {
    vanishedAreWithdrawn: true,
    async list(validators) {
      const result = await download(`${base}/modified_id.csv`, {
        ...request,
        validators,
        maxBytes: maxListingBytes,
      });
      if (result.status === 'unchanged') return 'unchanged';
      return { listing: parseModifiedIds(text(result.bytes)), validators: result.validators };
    },
    async fetch(id) {
      const url = `${base}/${encodeURIComponent(id)}.json`;
      return {
        name: `${id}.json`,
        content: text(await downloadBytes(url, { ...request, maxBytes: maxRecordBytes })),
      };
    },
    async snapshot() {
      const url = `${base}/all.zip`;
      const bytes = await downloadBytes(url, {
        ...request,
        timeoutMs: 4 * limits.timeoutMs,
        maxBytes: maxArchiveBytes,
      });
      return advisoryFilesOf(bytes, url).flatMap((file) => {
        const id = /([^/:]+)\.json$/.exec(file.name)?.[1];
        return id ? [{ id, version: modifiedOf(file.content), file: { ...file, name: `${id}.json` } }] : [];
      });
    },
  };
}

/** The EEF CNA's layout: `index.json` lists every published CVE record with its `dateUpdated`. */
function cveIndexFeed(indexUrl: string, limits: FeedLimits): AdvisoryFeed {
  const request = { timeoutMs: limits.timeoutMs, signal: limits.signal };
  return {
    vanishedAreWithdrawn: true,
    async list(validators) {
      const result = await download(indexUrl, { ...request, validators, maxBytes: maxListingBytes });
      if (result.status === 'unchanged') return 'unchanged';
      let index: unknown;
      try {
        index = JSON.parse(text(result.bytes));
      } catch {
        throw new ListingError('not a CVE index: not JSON');
      }
      return { listing: parseCveIndex(index, indexUrl), validators: result.validators };
    },
    async fetch(id, listing) {
      const url = listing.locations.get(id)!;
      return {
        name: `${id}.json`,
        content: text(await downloadBytes(url, { ...request, maxBytes: maxRecordBytes })),
      };
    },
  };
}

/**
 * A zip, a file or a directory read whole (conditionally, when it is a URL). Its records are its files,
 * each versioned by a hash of its content, so that a sync imports the files that changed.
 */
function archiveFeed(location: string, limits: FeedLimits): AdvisoryFeed {
  let files = new Map<string, AdvisoryFile>();
  return {
    vanishedAreWithdrawn: false,
    async list(validators) {
      let read: AdvisoryFile[];
      let next: Validators = {};
      if (isUrl(location)) {
        const result = await download(location, {
          timeoutMs: 4 * limits.timeoutMs,
          signal: limits.signal,
          validators,
          maxBytes: maxArchiveBytes,
        });
        if (result.status === 'unchanged') return 'unchanged';
        read = advisoryFilesOf(result.bytes, new URL(location).pathname);
        next = result.validators;
      } else {
        read = await readAdvisoryPath(location).catch((error: Error) => {
          throw new FeedError(`${location} could not be read: ${error.message}`);
        });
      }
      files = new Map(read.map((file) => [file.name, file]));
      const versions = new Map(
        read.map((file) => [file.name, createHash('sha256').update(file.content).digest('hex')]),
      );
      return { listing: { versions, locations: new Map(), rejected: [] }, validators: next };
    },
    async fetch(id) {
      return files.get(id)!;
    },
  };
}

export function advisoryFeed(source: AdvisorySource, limits: FeedLimits): AdvisoryFeed {
  switch (source.kind) {
    case 'osv':
      return osvFeed(source.location, limits);
    case 'cve':
      return cveIndexFeed(source.location, limits);
    case 'archive':
      return archiveFeed(source.location, limits);
  }
}

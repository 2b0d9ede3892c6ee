import { randomUUID } from 'node:crypto';
import { advisoryFormat } from '../../shared/advisories/vulnerability.ts';
import {
  type Listing,
  ListingError,
  planSync,
  type SyncPlan,
  sameVersion,
  type Versions,
} from '../../shared/advisory-listing.ts';
import type { AdvisorySource, SourceState } from '../../shared/advisory-sources.ts';
import type { SourceStateItem } from '../../shared/entities/advisory-source.ts';
import { type AdvisoryFeed, advisoryFeed, type FeedRecord } from '../lib/advisory-feeds.ts';
import { eachLimited } from '../lib/each-limited.ts';
import { FeedError, type Validators } from '../lib/feed-client.ts';
import {
  claimSyncRun,
  readManifest,
  readSourceState,
  recordFailedSync,
  recordUnchangedSync,
  releaseSyncRun,
  saveSourceState,
  writeManifest,
} from '../stores/advisory-source-store.ts';
import { importAdvisories, withdrawAdvisoryRecords } from './import-advisories.ts';

export interface SyncOptions {
  /** Fetch every record again, whatever was imported before. */
  full?: boolean;
  /** The bound of each request; a whole export gets four times as long. */
  requestTimeoutMs?: number;
  /** The bound of one source's downloads; what is not fetched by then is fetched next run. */
  sourceBudgetMs?: number;
}

export interface SourceSyncResult {
  source: string;
  /** `unchanged`: the listing had not changed; `failed`: nothing was imported and `error` says why. */
  outcome: 'unchanged' | 'synced' | 'failed';
  /** Records downloaded. */
  fetched: number;
  /** Vulnerabilities that changed, and were queued for matching. */
  changed: string[];
  /** Records the source no longer lists, withdrawn. */
  withdrawn: string[];
  /** Records downloaded that could not be read, and entries of the listing that could not be. */
  rejected: SourceState['rejected'];
  /** Records that could not be downloaded, tried again next run. */
  failedDownloads: SourceState['rejected'];
  error?: string;
}

export interface SyncRun {
  /** True when another sync was running, which this one left to finish. */
  skipped: boolean;
  sources: SourceSyncResult[];
}

/** Concurrent record downloads per source: quick for a full sync, polite to the server. */
const downloadsPerSource = 8;
/** Rejected records listed in a source's state, which keeps its item small; the first ones are kept. */
const maxRejectedListed = 50;

interface Fetched {
  listing: Listing;
  validators: Validators;
  manifest: { versions: Versions; pages: number };
  plan: SyncPlan;
  records: FeedRecord[];
  failures: SourceState['rejected'];
}

type Download =
  | { state?: SourceStateItem; result: 'unchanged' }
  | { state?: SourceStateItem; result: Fetched }
  | { state?: SourceStateItem; error: Error };

/**
 * A full sync takes what it can from one download of everything, and fetches the rest one by one: the
 * records the export holds at another version than the listing, or all of them when the export fails.
 */
async function fromSnapshot(feed: AdvisoryFeed, listing: Listing, wanted: string[]): Promise<FeedRecord[]> {
  if (!feed.snapshot || wanted.length === 0) return [];
  const records = await feed.snapshot().catch((error: Error) => {
    if (error instanceof FeedError) return [];
    throw error;
  });
  const snapshot = new Map(records.map((record) => [record.id, record]));
  return wanted.flatMap((id) => {
    const record = snapshot.get(id);
    const version = listing.versions.get(id)!;
    return record && sameVersion(record.version, version) ? [{ ...record, version }] : [];
  });
}

async function fetchChanges(
  source: AdvisorySource,
  state: SourceStateItem | undefined,
  options: Required<SyncOptions>,
): Promise<Fetched | 'unchanged'> {
  const full = options.full || state?.format !== advisoryFormat;
  const feed = advisoryFeed(source, {
    timeoutMs: options.requestTimeoutMs,
    signal: AbortSignal.timeout(options.sourceBudgetMs),
  });
  const listed = await feed.list(full ? undefined : state?.validators);
  if (listed === 'unchanged') return 'unchanged';
  const { listing, validators } = listed;
  const manifest = await readManifest(source.id);
  const plan = planSync(listing.versions, manifest.versions, { full, withdraws: feed.vanishedAreWithdrawn });
  const records = full ? await fromSnapshot(feed, listing, plan.fetch) : [];
  const taken = new Set(records.map((record) => record.id));
  const failures: SourceState['rejected'] = [];
  await eachLimited(
    plan.fetch.filter((id) => !taken.has(id)),
    downloadsPerSource,
    async (id) => {
      try {
        records.push({ id, version: listing.versions.get(id)!, file: await feed.fetch(id, listing) });
      } catch (error) {
        if (!(error instanceof FeedError)) throw error;
        failures.push({ record: id, reason: error.message });
      }
    },
  );
  return { listing, validators, manifest, plan, records, failures };
}

async function download(source: AdvisorySource, options: Required<SyncOptions>): Promise<Download> {
  let state: SourceStateItem | undefined;
  try {
    state = await readSourceState(source.id);
    return { state, result: await fetchChanges(source, state, options) };
  } catch (error) {
    return { state, error: error as Error };
  }
}

const isSourceFault = (error: Error) => error instanceof FeedError || error instanceof ListingError;

/** Imports what was fetched from one source and records the source's new state. */
async function importFetched(
  source: AdvisorySource,
  state: SourceStateItem | undefined,
  fetched: Fetched,
  now: string,
): Promise<SourceSyncResult> {
  const { listing, validators, manifest, plan, records, failures } = fetched;
  const imported = await importAdvisories(records.map((record) => record.file));
  const recordOfFile = new Map(records.map((record) => [record.file.name, record.id]));
  const rejected = imported.errors.map((error) => ({
    record: recordOfFile.get(error.file)!,
    reason: error.reason,
  }));
  const withdrawn = plan.vanished;
  const withdrawnChanged = await withdrawAdvisoryRecords(withdrawn);

  const fetchedIds = new Set(records.map((record) => record.id));
  const versions: Versions = new Map();
  for (const [id, version] of listing.versions) {
    const before = manifest.versions.get(id);
    if (fetchedIds.has(id)) versions.set(id, version);
    else if (before !== undefined) versions.set(id, before);
  }
  // A listing without validators (a server that sends no ETag) reads as changed every run: the
  // manifest is rewritten only when what was imported changed.
  if (records.length > 0 || withdrawn.length > 0 || versions.size !== manifest.versions.size)
    await writeManifest(source.id, versions, manifest.pages);

  // A record rejected earlier stays rejected while the source lists the same version of it.
  const stillRejected = (state?.rejected ?? []).filter(
    ({ record }) => !fetchedIds.has(record) && versions.has(record),
  );
  const unreadEntries = listing.rejected.map(({ entry, reason }) => ({ record: entry, reason }));
  await saveSourceState({
    source: source.id,
    kind: source.kind,
    records: listing.versions.size,
    last_attempt_at: now,
    last_success_at: now,
    last_error:
      failures.length > 0
        ? {
            at: now,
            message: `${failures.length} of ${plan.fetch.length} records could not be downloaded and are tried again next run; ${failures[0]!.record}: ${failures[0]!.reason}`,
          }
        : (state?.last_error ?? null),
    rejected: [...stillRejected, ...rejected, ...unreadEntries].slice(0, maxRejectedListed),
    // Without the validators the next run reads the listing again and retries what failed here.
    ...(failures.length === 0 ? { validators } : {}),
    format: advisoryFormat,
  });
  return {
    source: source.id,
    outcome: 'synced',
    fetched: records.length,
    changed: [...new Set([...imported.changed, ...withdrawnChanged])],
    withdrawn,
    rejected: [...rejected, ...unreadEntries],
    failedDownloads: failures,
  };
}

const nothingDone = { fetched: 0, changed: [], withdrawn: [], rejected: [], failedDownloads: [] };

/**
 * Syncs each source: its listing (asked conditionally, so that an unchanged source costs one short
 * answer), then only the records whose listed version differs from the one imported before, then
 * the records it no longer lists are withdrawn. Downloads from all sources run side by side, so that
 * a slow or hanging source delays no other; imports run one source at a time, since records of one
 * flaw come from several sources and are merged as they are stored. A source that fails, hangs or
 * answers garbage changes nothing that was imported and is recorded as failing; a record that does
 * not parse is skipped and listed. Changed vulnerabilities are queued for matching at once.
 */
export async function syncAdvisorySources(
  sources: AdvisorySource[],
  options: SyncOptions = {},
): Promise<SyncRun> {
  const settings: Required<SyncOptions> = {
    full: options.full ?? false,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    sourceBudgetMs: options.sourceBudgetMs ?? 8 * 60_000,
  };
  const owner = randomUUID();
  // The lock outlives the longest run the budget allows, imports included.
  if (!(await claimSyncRun(owner, Date.now() + 2 * settings.sourceBudgetMs)))
    return { skipped: true, sources: [] };
  try {
    const downloads = sources.map((source) => download(source, settings));
    const results: SourceSyncResult[] = [];
    const unexpected: Error[] = [];
    for (const [index, source] of sources.entries()) {
      const { state, ...outcome } = await downloads[index]!;
      const now = new Date().toISOString();
      try {
        if ('error' in outcome) throw outcome.error;
        if (outcome.result === 'unchanged') {
          await recordUnchangedSync(source.id, now);
          results.push({ source: source.id, outcome: 'unchanged', ...nothingDone });
        } else {
          results.push(await importFetched(source, state, outcome.result, now));
        }
      } catch (error) {
        const { message } = error as Error;
        if (!isSourceFault(error as Error)) unexpected.push(error as Error);
        await recordFailedSync(source, now, message);
        results.push({ source: source.id, outcome: 'failed', ...nothingDone, error: message });
      }
    }
    // A fault of Muster's own (not of a source) fails the run, after every source had its turn.
    if (unexpected.length > 0) throw unexpected[0];
    return { skipped: false, sources: results };
  } finally {
    await releaseSyncRun(owner);
  }
}

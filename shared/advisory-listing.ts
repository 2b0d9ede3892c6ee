/**
 * A source's listing of its records (OSV's modified_id.csv, the CNA's index.json) and what a sync
 * fetches from it: every record whose listed version differs from the one imported before, so that a
 * run reads only what changed, whatever order the source exposed its changes in.
 */

/** Record id → the version the source lists it at (its modification time, or a content hash). */
export type Versions = Map<string, string>;

export interface Listing {
  versions: Versions;
  /** Where each record is fetched from, when the listing says (the CNA index does). */
  locations: Map<string, string>;
  /** Entries of the listing that could not be read, skipped. */
  rejected: { entry: string; reason: string }[];
}

export class ListingError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ListingError';
  }
}

/** Ids become file names and URL path segments: no separators, no dot segments. */
const recordIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 80)}…` : text);

/**
 * OSV's `<ecosystem>/modified_id.csv`: one `<modified>,<id>` line per record, newest first. A line
 * that does not read is skipped; a text in which no line reads (an error page, say) is refused.
 */
export function parseModifiedIds(text: string): Listing {
  const listing: Listing = { versions: new Map(), locations: new Map(), rejected: [] };
  const lines = text.split('\n').map((line) => line.trim());
  for (const line of lines.filter(Boolean)) {
    const [modified, id, ...rest] = line.split(',');
    if (modified === 'modified' && id === 'id') continue;
    if (
      rest.length > 0 ||
      id === undefined ||
      !recordIdPattern.test(id) ||
      Number.isNaN(Date.parse(modified!))
    )
      listing.rejected.push({ entry: clip(line), reason: 'is not "<modified>,<id>"' });
    else listing.versions.set(id, modified!);
  }
  if (listing.versions.size === 0 && listing.rejected.length > 0)
    throw new ListingError(`not a modified_id.csv: its first line is "${listing.rejected[0]!.entry}"`);
  return listing;
}

const cveIdPattern = /^CVE-\d{4}-\d{4,}$/;

/**
 * The CNA's `index.json`: `[{id, dateUpdated, datePublished, details}]`. Records are fetched only from
 * the index's own origin, whatever a `details` says.
 */
export function parseCveIndex(value: unknown, indexUrl: string): Listing {
  if (!Array.isArray(value)) throw new ListingError('not a CVE index: expected a JSON array');
  const listing: Listing = { versions: new Map(), locations: new Map(), rejected: [] };
  const origin = new URL(indexUrl).origin;
  for (const entry of value as unknown[]) {
    const fields = (entry ?? {}) as Record<string, unknown>;
    const id = fields.id;
    if (typeof id !== 'string' || !cveIdPattern.test(id)) {
      listing.rejected.push({ entry: clip(JSON.stringify(entry) ?? ''), reason: 'has no CVE id' });
      continue;
    }
    const details = typeof fields.details === 'string' ? fields.details : `${id}.json`;
    let location: URL;
    try {
      location = new URL(details, indexUrl);
    } catch {
      listing.rejected.push({ entry: id, reason: `details "${clip(details)}" is not a URL` });
      continue;
    }
    if (location.origin !== origin) {
      listing.rejected.push({ entry: id, reason: `details points outside ${origin}` });
      continue;
    }
    const version = [fields.dateUpdated, fields.datePublished].find((date) => typeof date === 'string');
    listing.versions.set(id, (version as string | undefined) ?? '');
    listing.locations.set(id, location.href);
  }
  if (listing.versions.size === 0 && listing.rejected.length > 0)
    throw new ListingError(`not a CVE index: no entry has a CVE id (${listing.rejected[0]!.entry})`);
  return listing;
}

/** Two listed versions of one record are the same when equal, or the same instant written differently. */
export function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  const [timeA, timeB] = [Date.parse(a), Date.parse(b)];
  return !Number.isNaN(timeA) && timeA === timeB;
}

export interface SyncPlan {
  /** Records to fetch: new ones, changed ones, or all of them in a full sync. */
  fetch: string[];
  /** Records imported before that the source no longer lists, where that means they were withdrawn. */
  vanished: string[];
}

/**
 * A listing that suddenly drops more than this share of what it listed (and more than a handful) is
 * taken for a broken source rather than for mass withdrawal, and refused: it would close findings
 * wholesale and reopen them at the next good listing.
 */
const maxVanishedShare = 0.1;
const vanishedAlwaysAccepted = 5;

/**
 * What a sync of this listing fetches and withdraws, given the versions imported before. `withdraws`
 * says whether the source's leaving a record out means its publisher withdrew it.
 */
export function planSync(
  listed: Versions,
  imported: Versions,
  options: { full: boolean; withdraws: boolean },
): SyncPlan {
  const fetch = [...listed]
    .filter(([id, version]) => options.full || imported.get(id) !== version)
    .map(([id]) => id);
  const vanished = [...imported.keys()].filter((id) => !listed.has(id));
  if (!options.withdraws) return { fetch: fetch.sort(), vanished: [] };
  if (vanished.length > Math.max(vanishedAlwaysAccepted, imported.size * maxVanishedShare)) {
    throw new ListingError(
      `the listing dropped ${vanished.length} of the ${imported.size} records imported before; refused as broken`,
    );
  }
  return { fetch: fetch.sort(), vanished: vanished.sort() };
}

/**
 * Where advisories come from, as configured (`-c advisorySources=...` in AWS, MUSTER_ADVISORY_SOURCES
 * locally): a comma-separated list of sources, each one of
 *
 * - `osv:<URL>`: an ecosystem directory of OSV's bucket, or of a mirror with its layout:
 *   `<URL>/modified_id.csv` lists each record with its modification time, `<URL>/<ID>.json` is one
 *   record, `<URL>/all.zip` all of them;
 * - `cve:<URL>`: an index of CVE JSON 5 records in the layout of the Erlang Ecosystem Foundation's CNA
 *   (`https://cna.erlef.org/cves/index.json`): a JSON array of `{id, dateUpdated, details}`, where
 *   `details` is the record's URL, relative to the index;
 * - anything else: an archive read whole, as `advisories import` reads it (a zip such as an OSV export,
 *   a single advisory file, or a directory of them; a URL or a path).
 */

export type AdvisorySourceKind = 'osv' | 'cve' | 'archive';

export interface AdvisorySource {
  /** The source as configured, which names it in the API, the logs and the metrics. */
  id: string;
  kind: AdvisorySourceKind;
  location: string;
}

/**
 * The sources used when none are configured. OSV's Hex directory carries the EEF's and GitHub's
 * advisories for Hex packages. Erlang/OTP's applications, the OTP release and Elixir itself are
 * covered by the EEF CNA's CVE records: OSV's copies of those advisories carry only commit ranges,
 * while the CVE records give the affected application versions on each maintenance branch.
 */
export const defaultAdvisorySources =
  'osv:https://osv-vulnerabilities.storage.googleapis.com/Hex,cve:https://cna.erlef.org/cves/index.json';

/** A source that has not synced for this long is stale; the stack's alarm uses the same bound. */
export const staleSourceSeconds = 3600;

/** Counted once per source and successful sync, with the source as the `source` dimension. */
export const sourceSyncedMetric = 'AdvisorySourceSynced';
export const sourceFailedMetric = 'AdvisorySourceFailed';

/** Sort keys hold the source; DynamoDB allows 1,024 bytes for one, and the key adds a prefix. */
const maxSourceBytes = 900;

export class AdvisorySourceError extends Error {
  constructor(source: string, reason: string) {
    super(`advisory source "${source}": ${reason}`);
    this.name = 'AdvisorySourceError';
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function parseSource(id: string): AdvisorySource {
  if (new TextEncoder().encode(id).length > maxSourceBytes)
    throw new AdvisorySourceError(id.slice(0, 60), `is longer than ${maxSourceBytes} bytes`);
  const typed = /^(osv|cve):(.*)$/.exec(id);
  if (!typed) return { id, kind: 'archive', location: id };
  const kind = typed[1] as 'osv' | 'cve';
  // An OSV directory is joined with file names; its trailing slash would double.
  const location = kind === 'osv' ? typed[2]!.replace(/\/+$/, '') : typed[2]!;
  if (!isHttpUrl(location)) throw new AdvisorySourceError(id, `${kind}: needs an http or https URL`);
  return { id, kind, location };
}

/** The configured sources, in order; an empty text configures none. */
export function parseAdvisorySources(text: string): AdvisorySource[] {
  const ids = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new AdvisorySourceError(duplicate, 'is listed twice');
  return ids.map(parseSource);
}

/** What Muster knows of a source's syncs, as stored after each one. */
export interface SourceState {
  source: string;
  kind: AdvisorySourceKind;
  /** Records the source listed at its last successful sync. */
  records: number;
  last_attempt_at: string;
  last_success_at: string | null;
  /** The last failure of the source as a whole, kept after later successes with when it happened. */
  last_error: { at: string; message: string } | null;
  /** Records of the source that could not be read, as of their current version. */
  rejected: { record: string; reason: string }[];
}

export type SourceHealth = 'ok' | 'failing' | 'stale' | 'never_synced';

/**
 * `failing` when the last attempt failed, `stale` when the last success is older than the bound
 * (whatever the reason: the schedule stopped, or runs are skipped), `never_synced` before a first success.
 */
export function sourceHealth(state: SourceState | undefined, now: Date): SourceHealth {
  if (!state?.last_success_at) return state?.last_error ? 'failing' : 'never_synced';
  if (state.last_error && state.last_error.at > state.last_success_at) return 'failing';
  const age = now.getTime() - Date.parse(state.last_success_at);
  return age > staleSourceSeconds * 1000 ? 'stale' : 'ok';
}

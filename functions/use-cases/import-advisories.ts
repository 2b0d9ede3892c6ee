import { mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import { AdvisoryFormatError, parseAdvisory } from '../../shared/advisories/parse.ts';
import type { MergeReason, Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { queues } from '../../shared/resources.ts';
import type { AdvisoryFile } from '../lib/advisory-sources.ts';
import { enqueue } from '../lib/queue.ts';
import { saveVulnerabilities } from '../stores/advisory-store.ts';

export interface ImportResult {
  files: number;
  vulnerabilities: number;
  changed: string[];
  /** Why the records of each new or changed vulnerability were taken for one flaw. */
  merged: (MergeReason & { vulnerability: string })[];
  errors: { file: string; reason: string }[];
  /** The newest `modified` among the records read, for the next incremental sync. */
  newestModified: string | null;
}

/**
 * Imports advisory files: parses each (a file that cannot be read is reported, not fatal), keeps those
 * modified after `since`, stores them (the records of one flaw make one vulnerability) and asks for the
 * vulnerabilities that changed to be matched against what runs. Importing the same files twice
 * changes nothing.
 */
export async function importAdvisories(files: AdvisoryFile[], since?: string): Promise<ImportResult> {
  const records: Vulnerability[] = [];
  const errors: ImportResult['errors'] = [];
  for (const file of files) {
    try {
      records.push(parseAdvisory(file.name, file.content));
    } catch (error) {
      if (!(error instanceof AdvisoryFormatError)) throw error;
      errors.push({ file: file.name, reason: error.message });
    }
  }
  const newestModified = records.reduce<string | null>(
    (newest, record) => (record.modified && (!newest || record.modified > newest) ? record.modified : newest),
    null,
  );
  const recent = since ? records.filter((record) => !record.modified || record.modified > since) : records;
  const changed = await saveVulnerabilities(recent);
  const queueUrl = process.env[queues.advisories.urlEnv];
  if (changed.length > 0 && !queueUrl)
    throw new Error(`environment variable ${queues.advisories.urlEnv} is not set`);
  for (const { id } of changed) await enqueue(queueUrl!, id, { vulnerability: id });
  return {
    files: files.length,
    vulnerabilities: mergeVulnerabilities(recent).length,
    changed: changed.map(({ id }) => id),
    merged: changed.flatMap(({ id, merges }) => merges.map((merge) => ({ vulnerability: id, ...merge }))),
    errors,
    newestModified,
  };
}

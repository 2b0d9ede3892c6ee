import { mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import { AdvisoryFormatError, parseAdvisory } from '../../shared/advisories/parse.ts';
import type { MergeReason, Vulnerability } from '../../shared/advisories/vulnerability.ts';
import type { AdvisoryFile } from '../lib/advisory-files.ts';
import { enqueueAllWork } from '../lib/queue.ts';
import { readSourceRecordsById, saveVulnerabilities } from '../stores/advisory-store.ts';

export interface ImportResult {
  files: number;
  vulnerabilities: number;
  changed: string[];
  /** Why the records of each new or changed vulnerability were taken for one flaw. */
  merged: (MergeReason & { vulnerability: string })[];
  errors: { file: string; reason: string }[];
}

/** Asks for each vulnerability that changed to be matched against what runs, at once. */
async function matchChanged(changed: Vulnerability[]): Promise<void> {
  if (changed.length === 0) return;
  await enqueueAllWork(
    'advisory',
    changed.map(({ id }) => ({ vulnerability: id })),
  );
}

/**
 * Imports advisory files: parses each (a file that cannot be read is reported, not fatal), stores them
 * (the records of one flaw make one vulnerability) and asks for the vulnerabilities that changed to be
 * matched against what runs. Importing the same files twice changes nothing.
 */
export async function importAdvisories(files: AdvisoryFile[]): Promise<ImportResult> {
  const records: Vulnerability[] = [];
  const errors: ImportResult['errors'] = [];
  for (const file of files) {
    try {
      records.push(parseAdvisory(file.name, file.content));
    } catch (error) {
      if (!(error instanceof AdvisoryFormatError)) throw error;
      errors.push({ file: file.name, reason: error.reason });
    }
  }
  const changed = await saveVulnerabilities(records);
  await matchChanged(changed);
  return {
    files: files.length,
    vulnerabilities: mergeVulnerabilities(records).length,
    changed: changed.map(({ id }) => id),
    merged: changed.flatMap(({ id, merges }) => merges.map((merge) => ({ vulnerability: id, ...merge }))),
    errors,
  };
}

/**
 * Withdraws source records their publisher no longer publishes: each keeps its ids and text but
 * affects nothing, so that its vulnerability affects what its other records say, or nothing, and the
 * findings it made close as their app-environments are matched again.
 */
export async function withdrawAdvisoryRecords(recordIds: string[]): Promise<string[]> {
  const stored = await readSourceRecordsById(recordIds);
  const changed = await saveVulnerabilities(
    stored.filter((record) => record.affected.length > 0).map((record) => ({ ...record, affected: [] })),
  );
  await matchChanged(changed);
  return changed.map(({ id }) => id);
}

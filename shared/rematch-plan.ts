import type { FindingItem } from './entities/finding.ts';

/** A vulnerability as a re-match sees it: its canonical id and the revision its findings should carry. */
export interface CurrentVulnerability {
  id: string;
  revision: string;
}

/**
 * Whether a re-match must evaluate an app-environment again, from whether its running versions are
 * exposed and the findings it has of the vulnerability under any of its ids. Nothing to do when its
 * open finding is current (same revision) and it is still exposed, or it has no open finding and is
 * not exposed; an evaluation decides everything else exactly.
 */
export function needsEvaluation(
  vulnerability: CurrentVulnerability | undefined,
  exposed: boolean,
  findings: Pick<FindingItem, 'vulnerability' | 'status' | 'advisory_revision'>[],
): boolean {
  const open = findings.filter((finding) => finding.status === 'open');
  // Withdrawn: only its open findings need closing.
  if (!vulnerability) return open.length > 0;
  // Open under an id it no longer goes by: the evaluation replaces it with the flaw's one finding.
  if (open.some((finding) => finding.vulnerability !== vulnerability.id)) return true;
  const own = open.find((finding) => finding.vulnerability === vulnerability.id);
  if (own) return !exposed || own.advisory_revision !== vulnerability.revision;
  return exposed;
}

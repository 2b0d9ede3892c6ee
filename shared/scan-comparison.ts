import { bySeverity } from './advisories/vulnerability.ts';
import { type FingerprintedFinding, fingerprintFindings } from './scan-fingerprint.ts';
import type { ScanTool, Severity } from './scan-report.ts';

/**
 * A pull request's scan against the scan of its base: which findings the change brings (new), which it
 * removes (fixed) and how many it leaves as they were. Findings are the same when their fingerprints
 * are, so a finding whose line moved is unchanged.
 */

/** One tool's scan of a commit, as stored: its findings, and every fingerprint when not all findings fit. */
export interface ComparableScan {
  commit_sha: string;
  tool: ScanTool;
  findings: FingerprintedFinding[];
  /** Every finding's fingerprint, kept when the findings were truncated to fit the item. */
  fingerprints?: string[];
}

/** What the head was compared with: the pull request's base commit, or the default branch's latest scan. */
export interface ComparisonBase {
  commit_sha: string;
  from: 'base_sha' | 'default_branch';
}

export interface ScanComparison {
  tool: ScanTool;
  /** Absent when Muster has no scan to compare with: then every finding is new. */
  base?: ComparisonBase;
  /** Most severe first. */
  new: FingerprintedFinding[];
  fixed: FingerprintedFinding[];
  unchanged: number;
  /**
   * New or fixed findings that are counted but not listed, because the scan had more findings than
   * its item keeps.
   */
  unlisted: { new: number; fixed: number };
}

/**
 * A stored scan with fingerprints on every finding: reports stored before findings had them get them
 * now, from what was kept of each (their locators were not kept, so some may differ from a new scan's).
 */
export function withFingerprints(scan: ComparableScan): ComparableScan {
  if (scan.findings.every((finding) => typeof finding.fingerprint === 'string')) return scan;
  return { ...scan, findings: fingerprintFindings(scan.tool, scan.findings), fingerprints: undefined };
}

const fingerprintsOf = (scan: ComparableScan): Set<string> =>
  new Set(scan.fingerprints ?? scan.findings.map((finding) => finding.fingerprint));

const worstFirst = (a: FingerprintedFinding, b: FingerprintedFinding) => bySeverity(a.severity, b.severity);

export function compareScans(
  head: ComparableScan,
  base: { scan: ComparableScan; from: ComparisonBase['from'] } | undefined,
): ScanComparison {
  const headFingerprints = fingerprintsOf(head);
  const baseFingerprints = base ? fingerprintsOf(base.scan) : new Set<string>();
  const added = [...headFingerprints].filter((fingerprint) => !baseFingerprints.has(fingerprint));
  const removed = [...baseFingerprints].filter((fingerprint) => !headFingerprints.has(fingerprint));
  const listedNew = head.findings.filter((finding) => !baseFingerprints.has(finding.fingerprint));
  const listedFixed = (base?.scan.findings ?? []).filter(
    (finding) => !headFingerprints.has(finding.fingerprint),
  );
  return {
    tool: head.tool,
    base: base && { commit_sha: base.scan.commit_sha, from: base.from },
    new: listedNew.sort(worstFirst),
    fixed: listedFixed.sort(worstFirst),
    unchanged: headFingerprints.size - added.length,
    unlisted: { new: added.length - listedNew.length, fixed: removed.length - listedFixed.length },
  };
}

/** Whether a pull request's check run fails: a new finding at or above the threshold. */
export function failsCheck(comparisons: ScanComparison[], failOn: Severity): boolean {
  return comparisons.some((comparison) =>
    comparison.new.some((finding) => bySeverity(finding.severity, failOn) <= 0),
  );
}

/** Everything the feedback on one pull request's head commit says, one comparison per tool scanned. */
export interface PullRequestReview {
  app: string;
  /** `owner/name`. */
  repository: string;
  pull_request: number;
  head_sha: string;
  comparisons: ScanComparison[];
  /** The check run fails when a new finding is at least this severe. */
  fail_on: Severity;
  /** The app on the dashboard, when one is configured. */
  dashboard_url?: string;
}

import { bySeverity } from '../advisories/vulnerability.ts';
import type { FingerprintedFinding } from '../scan-fingerprint.ts';
import type { ScanTool, Severity, SeverityCounts } from '../scan-report.ts';
import type { TableKey } from './key-parts.ts';

/**
 * One tool's report on one commit of an app (`ORG#<org>#SCANS#<app>` / `<commit>#<tool>`), and the
 * latest report of the app's default branch per tool in the organization partition
 * (`SCAN#<app>#<tool>`), which is what the counts and the detail view show. Findings are kept, most
 * severe first, up to a size well inside DynamoDB's 400 KB item limit; `truncated` says when some were
 * left out (the counts always cover all, and `fingerprints` then lists every finding's, so that a
 * comparison with this scan stays exact).
 */
export interface ScanItem extends TableKey {
  app: string;
  commit_sha: string;
  tool: ScanTool;
  ref?: string;
  pull_request?: number;
  repository?: string;
  base_sha?: string;
  /** Whether this scan is of the app's default branch, as the app's settings or CI named it. */
  on_default_branch: boolean;
  received_at: string;
  counts: SeverityCounts;
  findings: FingerprintedFinding[];
  truncated: boolean;
  fingerprints?: string[];
}

export type LatestScanItem = Pick<
  ScanItem,
  'pk' | 'sk' | 'app' | 'commit_sha' | 'tool' | 'ref' | 'received_at' | 'counts'
>;

export const scanPartition = (org: string, app: string): string => `ORG#${org}#SCANS#${app}`;

export const scanKey = (org: string, app: string, commitSha: string, tool: ScanTool): TableKey => ({
  pk: scanPartition(org, app),
  sk: `${commitSha}#${tool}`,
});

/** The reports of every tool on one commit: begins_with on the app's scan partition. */
export const commitScansPrefix = (commitSha: string): string => `${commitSha}#`;

export const latestScanSortKeyPrefix = 'SCAN#';

export const latestScanKey = (org: string, app: string, tool: ScanTool): TableKey => ({
  pk: `ORG#${org}`,
  sk: `${latestScanSortKeyPrefix}${app}#${tool}`,
});

/**
 * Where the feedback on one pull request of an app takes its lease, so that two deliveries never both
 * find no comment and both post one.
 */
export const pullRequestKey = (
  org: string,
  app: string,
  repository: string,
  pullRequest: number,
): TableKey => ({
  pk: scanPartition(org, app),
  sk: `PULL#${repository}#${pullRequest}`,
});

export const maxStoredFindingsBytes = 200_000;

/** The findings to store: most severe first, as many as fit in the size budget, and every fingerprint if not all did. */
export function storedFindings(
  findings: FingerprintedFinding[],
): Pick<ScanItem, 'findings' | 'truncated' | 'fingerprints'> {
  const sorted = [...findings].sort((a, b) => bySeverity(a.severity, b.severity));
  let bytes = 0;
  const kept: FingerprintedFinding[] = [];
  for (const finding of sorted) {
    bytes += Buffer.byteLength(JSON.stringify(finding));
    if (bytes > maxStoredFindingsBytes)
      return {
        findings: kept,
        truncated: true,
        fingerprints: findings.map(({ fingerprint }) => fingerprint),
      };
    kept.push(finding);
  }
  return { findings: kept, truncated: false };
}

/**
 * What an admin sets for an app's scans (`ORG#<org>` / `APP#<app>`): its default branch (else what CI
 * says, else `main`), and from which severity a new finding fails a pull request's check run.
 */
export interface AppScanSettingsItem extends TableKey {
  app: string;
  default_branch?: string;
  check_fails_on?: Severity;
}

export const appScanSettingsKey = (org: string, app: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `APP#${app}`,
});

/** A new finding at or above this fails a check run unless the app's settings say otherwise. */
export const defaultCheckFailsOn: Severity = 'high';

import { bySeverity } from '../advisories/vulnerability.ts';
import type { ScanFinding, ScanTool, SeverityCounts } from '../scan-report.ts';
import type { TableKey } from './key-parts.ts';

/**
 * One tool's report on one commit of an app (`ORG#<org>#SCANS#<app>` / `<commit>#<tool>`), and the
 * latest report per app and tool in the organization partition (`SCAN#<app>#<tool>`), which is what
 * the dashboard counts. Findings are kept, most severe first, up to a size well inside DynamoDB's
 * 400 KB item limit; `truncated` says when some were left out (the counts always cover all).
 */
export interface ScanItem extends TableKey {
  app: string;
  commit_sha: string;
  tool: ScanTool;
  ref?: string;
  pull_request?: number;
  received_at: string;
  counts: SeverityCounts;
  findings: ScanFinding[];
  truncated: boolean;
}

export type LatestScanItem = Omit<ScanItem, 'findings' | 'truncated'>;

export const scanKey = (org: string, app: string, commitSha: string, tool: ScanTool): TableKey => ({
  pk: `ORG#${org}#SCANS#${app}`,
  sk: `${commitSha}#${tool}`,
});

export const latestScanSortKeyPrefix = 'SCAN#';

export const latestScanKey = (org: string, app: string, tool: ScanTool): TableKey => ({
  pk: `ORG#${org}`,
  sk: `${latestScanSortKeyPrefix}${app}#${tool}`,
});

export const maxStoredFindingsBytes = 300_000;

/** The findings to store: most severe first, as many as fit in the size budget. */
export function storedFindings(findings: ScanFinding[]): { findings: ScanFinding[]; truncated: boolean } {
  const sorted = [...findings].sort((a, b) => bySeverity(a.severity, b.severity));
  let bytes = 0;
  const kept: ScanFinding[] = [];
  for (const finding of sorted) {
    bytes += Buffer.byteLength(JSON.stringify(finding));
    if (bytes > maxStoredFindingsBytes) return { findings: kept, truncated: true };
    kept.push(finding);
  }
  return { findings: kept, truncated: false };
}

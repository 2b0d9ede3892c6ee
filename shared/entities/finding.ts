import type { Severity } from '../advisories/vulnerability.ts';
import type { TableKey } from './key-parts.ts';

/**
 * A finding: one vulnerability in one app-environment, with the instances and versions it affects.
 * Stored in the organization's partition (`FINDING#<app>#<env>#<vulnerability>`), so that the apps
 * list reads findings with everything else in one Query.
 */
/** What an app-environment's running instances are exposed to: one per (vulnerability, package). */
export interface FindingContent {
  vulnerability: string;
  aliases: string[];
  summary: string;
  severity: Severity | null;
  package: string;
  ecosystem: string;
  instances: { instance: string; version: string; fixed_in?: string | null }[];
  /** The lowest version that fixes every affected instance. */
  fixed_in: string | null;
}

export interface FindingItem extends TableKey, FindingContent {
  /** gsi1: every finding of a vulnerability, so that a corrected advisory reaches what it flagged. */
  gsi1pk: string;
  gsi1sk: string;
  app: string;
  environment: string;
  status: 'open' | 'fixed';
  opened_at: string;
  fixed_at?: string;
  /** When the app-environment was last evaluated: an older evaluation never overwrites a newer one. */
  evaluated_at: string;
  suppression?: Suppression;
}

export interface Suppression {
  reason: string;
  author: string;
  created_at: string;
  expires_at: string;
}

/** Every change to a suppression, kept in the organization's partition: `AUDIT#<time>#<id>`. */
export interface AuditItem extends TableKey {
  at: string;
  actor: string;
  action: 'suppress' | 'unsuppress';
  app: string;
  environment: string;
  vulnerability: string;
  reason?: string;
  expires_at?: string;
}

export const findingSortKeyPrefix = 'FINDING#';

export const appEnvironmentFindingsPrefix = (app: string, environment: string): string =>
  `${findingSortKeyPrefix}${app}#${environment}#`;

export const vulnerabilityFindingsPartition = (vulnerability: string): string => `FINDINGS#${vulnerability}`;

/** The keys of a finding of `vulnerability` in `package`, in the table and in gsi1. */
export const findingKeys = (
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
  packageName: string,
): TableKey & { gsi1pk: string; gsi1sk: string } => ({
  pk: `ORG#${org}`,
  sk: `${appEnvironmentFindingsPrefix(app, environment)}${vulnerability}#${packageName}`,
  gsi1pk: vulnerabilityFindingsPartition(vulnerability),
  gsi1sk: `ORG#${org}#${app}#${environment}#${packageName}`,
});

export const auditKey = (org: string, at: string, id: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `AUDIT#${at}#${id}`,
});

export function suppressionActive(finding: Pick<FindingItem, 'suppression'>, now: Date): boolean {
  return finding.suppression !== undefined && Date.parse(finding.suppression.expires_at) > now.getTime();
}

import type { Basis } from '../advisories/exposure.ts';
import type { Severity } from '../advisories/vulnerability.ts';
import type { Justification, SuppressionState } from '../suppression.ts';
import type { TableKey } from './key-parts.ts';

/** Where in a package the flaw lies, and what must hold for it to be reachable. */
export interface VulnerableCode {
  modules: string[];
  functions: string[];
  files: string[];
  conditions: string[];
}

/** One affected package of one instance. */
export interface FindingInstance {
  instance: string;
  package: string;
  version: string;
  /** Whether the application was started; a loaded one is exposed all the same. */
  started: boolean;
  basis: Basis;
  fixed_in: string | null;
  /** For an OTP application, the OTP release on the instance's branch that ships the fix. */
  fixed_in_otp?: string | null;
}

/** What fixes one affected package in every instance. */
export interface Upgrade {
  package: string;
  to: string | null;
  /** For an OTP application, the OTP release that ships `to`. */
  otp_release: string | null;
}

/**
 * What an app-environment's running instances are exposed to: one per vulnerability, whichever of its
 * packages they load (an OTP flaw in ssl and public_key is one finding).
 */
export interface FindingContent {
  vulnerability: string;
  aliases: string[];
  summary: string;
  severity: Severity | null;
  /** The first of `packages`, for clients that read one package. */
  package: string;
  packages: string[];
  ecosystem: string;
  /** `release` when every instance was matched on its OTP release alone, not on its applications. */
  basis: Basis;
  vulnerable_code: VulnerableCode;
  /**
   * The exposed instances, at most maxListedInstances of them (those running first), so that a
   * finding stays far below DynamoDB's 400 KB item limit whatever the fleet.
   */
  instances: FindingInstance[];
  /** How many instances are exposed, listed or not. */
  instance_count: number;
  /** The lowest version of `package` that fixes every affected instance. */
  fixed_in: string | null;
  upgrades: Upgrade[];
  /** The findingRevision of the vulnerability it was made from: a re-match that finds it current skips it. */
  advisory_revision: string;
}

/**
 * A finding as stored in the organization's partition (`FINDING#<app>#<env>#<vulnerability>`), so
 * that the apps list reads findings with everything else in one Query.
 */
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
  /**
   * The outbox: an alert written in the same PutItem as the finding that raised it, so that it cannot
   * be lost between the two, and removed once the notifications queue has taken it.
   */
  alert?: PendingAlert;
  /** When the notifications queue took the alert of this opening. */
  alerted_at?: string;
}

/** Each row of `instances` is about 150 bytes: 100 of them keep a finding near 16 KB. */
export const maxListedInstances = 100;

export interface PendingAlert {
  /** Stable for one opening of one finding: the consumer drops a message it has seen. */
  id: string;
  event: AlertEvent;
}

/** What a responder needs to act on a new finding, as the notifications queue carries it (in an AlertNotification). */
export interface AlertEvent {
  id: string;
  type: 'finding.opened';
  org: string;
  app: string;
  environment: string;
  vulnerability: string;
  aliases: string[];
  severity: Severity | null;
  summary: string;
  package: string;
  packages: string[];
  basis: Basis;
  vulnerable_code: VulnerableCode;
  instances: FindingInstance[];
  instance_count: number;
  fixed_in: string | null;
  advice: string;
  urls: string[];
  handles_pii: boolean;
  opened_at: string;
}

export interface Suppression {
  reason: string;
  author: string;
  created_at: string;
  expires_at: string;
  /** Absent in suppressions stored before states existed: they accepted the risk (`exploitable`). */
  state?: SuppressionState;
  /** Only with `not_affected`. */
  justification?: Justification;
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
  state?: SuppressionState;
  justification?: Justification;
}

export const findingSortKeyPrefix = 'FINDING#';

export const appEnvironmentFindingsPrefix = (app: string, environment: string): string =>
  `${findingSortKeyPrefix}${app}#${environment}#`;

export const vulnerabilityFindingsPartition = (vulnerability: string): string => `FINDINGS#${vulnerability}`;

/** The keys of a finding of `vulnerability` in an app-environment, in the table and in gsi1. */
export const findingKeys = (
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
): TableKey & { gsi1pk: string; gsi1sk: string } => ({
  pk: `ORG#${org}`,
  sk: `${appEnvironmentFindingsPrefix(app, environment)}${vulnerability}`,
  gsi1pk: vulnerabilityFindingsPartition(vulnerability),
  gsi1sk: `ORG#${org}#${app}#${environment}`,
});

/**
 * A finding as it reads now. Findings stored before one finding stood for a whole vulnerability were
 * one per package (`…#<vulnerability>#<package>`) and lack the fields added since; the next evaluation
 * of their app-environment replaces them.
 */
export function currentFinding(item: FindingItem): FindingItem {
  return {
    ...item,
    packages: item.packages ?? [item.package],
    basis: item.basis ?? 'application',
    vulnerable_code: item.vulnerable_code ?? { modules: [], functions: [], files: [], conditions: [] },
    upgrades: item.upgrades ?? [{ package: item.package, to: item.fixed_in, otp_release: null }],
    instance_count: item.instance_count ?? new Set(item.instances.map((row) => row.instance)).size,
    advisory_revision: item.advisory_revision ?? '',
    instances: item.instances.map((instance) => ({
      ...instance,
      package: instance.package ?? item.package,
      started: instance.started ?? true,
      basis: instance.basis ?? 'application',
      fixed_in: instance.fixed_in ?? null,
    })),
  };
}

export const auditKey = (org: string, at: string, id: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `AUDIT#${at}#${id}`,
});

export function suppressionActive(finding: Pick<FindingItem, 'suppression'>, now: Date): boolean {
  return finding.suppression !== undefined && Date.parse(finding.suppression.expires_at) > now.getTime();
}

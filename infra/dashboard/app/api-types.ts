/**
 * The API's answers as the dashboard reads them. Type-only imports: nothing of shared/ is bundled, and
 * the types follow the handlers that produce the answers.
 */
import type { Severity } from '../../../shared/advisories/vulnerability.ts';
import type {
  AppEnvironmentDetail,
  DependencyVersions,
  FindingView,
  InstanceDetail,
  ScanView,
} from '../../../shared/app-environment-detail.ts';
import type { Attention } from '../../../shared/attention.ts';
import type { AppEnvironmentSummary } from '../../../shared/fleet-summary.ts';
import type { LookupMatch, LookupResult } from '../../../shared/lookup.ts';
import type { OrganizationAdvisory } from '../../../shared/organization-advisories.ts';
import type { SeverityCounts } from '../../../shared/scan-report.ts';
import type { Justification, SuppressionState } from '../../../shared/suppression.ts';

export type {
  AppEnvironmentDetail,
  Attention,
  DependencyVersions,
  FindingView,
  InstanceDetail,
  Justification,
  LookupMatch,
  OrganizationAdvisory,
  ScanView,
  Severity,
  SeverityCounts,
  SuppressionState,
};

/** GET/POST /v1/session. */
export interface Session {
  org: string;
  scope: 'read' | 'admin';
  csrf_token: string;
  idle_timeout_seconds: number;
}

/** A row of GET /v1/apps: the app-environment's summary and what in it needs action now. */
export type AppsRow = AppEnvironmentSummary & { attention: Attention };

export interface AppsPage {
  apps: AppsRow[];
  next_cursor: string | null;
}

/** GET /v1/lookup: a package lookup, or an advisory's blast radius with the advisory. */
export type LookupAnswer = LookupResult & {
  package_seen?: boolean;
  did_you_mean?: string[];
  advisory?: {
    id: string;
    aliases: string[];
    summary: string;
    severity: Severity | null;
    packages: { package: string; fixed: string[] }[];
  };
};

export interface AdvisoriesAnswer {
  advisories: OrganizationAdvisory[];
}

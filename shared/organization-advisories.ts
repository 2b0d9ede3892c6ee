import type { Severity, Vulnerability } from './advisories/vulnerability.ts';
import { type FindingItem, suppressionActive } from './entities/finding.ts';

export interface OrganizationAdvisory {
  id: string;
  aliases: string[];
  summary: string;
  severity: Severity | null;
  score: number | null;
  published: string | null;
  modified: string | null;
  references: string[];
  packages: string[];
  app_environments: number;
  instances: number;
  /** App-environments where every finding of it is suppressed. */
  suppressed_in: number;
}

/** The advisories behind an organization's open findings, with their reach, newest first. */
export function organizationAdvisories(
  vulnerabilities: Vulnerability[],
  openFindings: FindingItem[],
  now: Date,
): OrganizationAdvisory[] {
  return vulnerabilities
    .map((vulnerability) => {
      const findings = openFindings.filter((finding) => finding.vulnerability === vulnerability.id);
      const appEnvironments = new Set(findings.map((finding) => `${finding.app}#${finding.environment}`));
      const suppressed = [...appEnvironments].filter((appEnvironment) =>
        findings
          .filter((finding) => `${finding.app}#${finding.environment}` === appEnvironment)
          .every((finding) => suppressionActive(finding, now)),
      );
      return {
        id: vulnerability.id,
        aliases: vulnerability.aliases,
        summary: vulnerability.summary,
        severity: vulnerability.severity,
        score: vulnerability.score,
        published: vulnerability.published,
        modified: vulnerability.modified,
        references: vulnerability.references,
        packages: [...new Set(findings.flatMap((finding) => finding.packages))].sort(),
        app_environments: appEnvironments.size,
        // Findings stored one per package before count an app-environment's instances once.
        instances: [...appEnvironments].reduce(
          (sum, appEnvironment) =>
            sum +
            Math.max(
              ...findings
                .filter((finding) => `${finding.app}#${finding.environment}` === appEnvironment)
                .map((finding) => finding.instance_count),
            ),
          0,
        ),
        suppressed_in: suppressed.length,
      };
    })
    .sort((a, b) => (b.published ?? '').localeCompare(a.published ?? '') || a.id.localeCompare(b.id));
}

import { affects, upgradeTo } from './advisories/affected.ts';
import type { AffectedPackage, Severity } from './advisories/vulnerability.ts';
import type { Classification } from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import { type FindingContent, type FindingItem, findingKeys } from './entities/finding.ts';
import { isProduction } from './environments.ts';
import { schemeOf } from './version-selector.ts';
import { compareElixirVersions, parseElixirVersion } from './versions/elixir-version.ts';
import { compareOtpVersions, parseOtpVersion } from './versions/otp-version.ts';

/** One vulnerability's ranges for one package, as the package's advisory index holds them. */
export interface PackageAdvisory {
  vulnerability: string;
  aliases: string[];
  summary: string;
  severity: Severity | null;
  affected: AffectedPackage;
}

export type ComputedFinding = FindingContent & {
  instances: { instance: string; version: string; fixed_in: string | null }[];
};

function higherVersion(packageName: string, a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  if (schemeOf(packageName) === 'otp') {
    const [pa, pb] = [parseOtpVersion(a), parseOtpVersion(b)];
    return pa && pb && compareOtpVersions(pa, pb) < 0 ? b : a;
  }
  const [ea, eb] = [parseElixirVersion(a), parseElixirVersion(b)];
  return ea && eb && compareElixirVersions(ea, eb) < 0 ? b : a;
}

/**
 * The findings of an app-environment from its live instances' dependency items and the advisories of
 * the packages they load. Pure: the same inputs give the same findings.
 */
export function computeFindings(
  dependencies: DependencyItem[],
  advisories: Map<string, PackageAdvisory[]>,
): ComputedFinding[] {
  const findings = new Map<string, ComputedFinding>();
  for (const dependency of dependencies) {
    for (const advisory of advisories.get(dependency.name) ?? []) {
      if (
        advisory.affected.ecosystem !== dependency.ecosystem ||
        !affects(advisory.affected, dependency.version)
      )
        continue;
      const key = `${advisory.vulnerability}#${dependency.name}`;
      const finding = findings.get(key) ?? {
        vulnerability: advisory.vulnerability,
        aliases: advisory.aliases,
        summary: advisory.summary,
        severity: advisory.severity,
        package: dependency.name,
        ecosystem: dependency.ecosystem,
        instances: [],
        fixed_in: null,
      };
      const fixedIn = upgradeTo(advisory.affected, dependency.version);
      finding.instances.push({
        instance: dependency.instance,
        version: dependency.version,
        fixed_in: fixedIn,
      });
      finding.fixed_in = higherVersion(dependency.name, finding.fixed_in, fixedIn);
      findings.set(key, finding);
    }
  }
  for (const finding of findings.values())
    finding.instances.sort((a, b) => a.instance.localeCompare(b.instance));
  return [...findings.values()].sort((a, b) =>
    `${a.vulnerability}#${a.package}`.localeCompare(`${b.vulnerability}#${b.package}`),
  );
}

export const findingId = (finding: Pick<ComputedFinding, 'vulnerability' | 'package'>): string =>
  `${finding.vulnerability}#${finding.package}`;

export interface FindingChanges {
  /** Findings to write: new, reopened, changed, or fixed. Unchanged findings are not rewritten. */
  writes: FindingItem[];
  /** Findings that were not open before this evaluation. */
  opened: FindingItem[];
}

const sameContent = (stored: FindingItem, computed: ComputedFinding) =>
  JSON.stringify([stored.instances, stored.severity, stored.fixed_in, stored.aliases, stored.summary]) ===
  JSON.stringify([
    computed.instances,
    computed.severity,
    computed.fixed_in,
    computed.aliases,
    computed.summary,
  ]);

/** How the stored findings of an app-environment move to the computed ones: lifecycle open → fixed → open. */
export function diffFindings(
  org: string,
  app: string,
  environment: string,
  stored: FindingItem[],
  computed: ComputedFinding[],
  evaluatedAt: string,
): FindingChanges {
  const byId = new Map(
    stored.map((item) => [findingId({ vulnerability: item.vulnerability, package: item.package }), item]),
  );
  const writes: FindingItem[] = [];
  const opened: FindingItem[] = [];
  for (const finding of computed) {
    const previous = byId.get(findingId(finding));
    byId.delete(findingId(finding));
    if (previous?.status === 'open' && sameContent(previous, finding)) continue;
    const item: FindingItem = {
      ...findingKeys(org, app, environment, finding.vulnerability, finding.package),
      app,
      environment,
      ...finding,
      status: 'open',
      opened_at: previous?.status === 'open' ? previous.opened_at : evaluatedAt,
      evaluated_at: evaluatedAt,
      ...(previous?.suppression ? { suppression: previous.suppression } : {}),
    };
    writes.push(item);
    if (previous?.status !== 'open') opened.push(item);
  }
  for (const previous of byId.values()) {
    if (previous.status === 'fixed') continue;
    writes.push({ ...previous, status: 'fixed', fixed_at: evaluatedAt, evaluated_at: evaluatedAt });
  }
  return { writes, opened };
}

/** New critical or high findings on a production, internet-facing app-environment raise an alert. */
export function needsAlert(
  finding: Pick<FindingItem, 'severity' | 'environment'>,
  classification: Classification,
): boolean {
  return (
    (finding.severity === 'critical' || finding.severity === 'high') &&
    isProduction(finding.environment) &&
    classification.internet_facing
  );
}

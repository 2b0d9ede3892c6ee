import {
  instanceExposure,
  type LoadedApplication,
  otpRelease,
  type PackageExposure,
  reportsApplications,
} from './advisories/exposure.ts';
import { findingRevision } from './advisories/revision.ts';
import type { AffectedPackage, Severity, Vulnerability } from './advisories/vulnerability.ts';
import type { Classification } from './entities/app-environment.ts';
import type { DependencyItem } from './entities/dependency.ts';
import {
  type AlertEvent,
  type FindingContent,
  type FindingInstance,
  type FindingItem,
  findingKeys,
  maxListedInstances,
  type Upgrade,
} from './entities/finding.ts';
import type { TableKey } from './entities/key-parts.ts';
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
  /** Every package the vulnerability affects, so that its release entry knows of application entries. */
  packages: string[];
  conditions: string[];
  affected: AffectedPackage;
  /** The vulnerability's findingRevision, written into each finding made from it. */
  revision: string;
}

export type ComputedFinding = FindingContent;

/** A vulnerability's entry for one of its packages, as that package's advisory index holds it. */
export function packageAdvisory(vulnerability: Vulnerability, affected: AffectedPackage): PackageAdvisory {
  return {
    vulnerability: vulnerability.id,
    aliases: vulnerability.aliases,
    summary: vulnerability.summary,
    severity: vulnerability.severity,
    packages: vulnerability.affected.map((entry) => entry.package),
    conditions: vulnerability.conditions,
    affected,
    revision: findingRevision(vulnerability),
  };
}

function higherVersion(packageName: string, a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  if (schemeOf(packageName) === 'otp') {
    const [pa, pb] = [parseOtpVersion(a), parseOtpVersion(b)];
    return pa && pb && compareOtpVersions(pa, pb) < 0 ? b : a;
  }
  const [ea, eb] = [parseElixirVersion(a), parseElixirVersion(b)];
  return ea && eb && compareElixirVersions(ea, eb) < 0 ? b : a;
}

const sortedUnion = (lists: string[][]): string[] => [...new Set(lists.flat())].sort();

/** The advisories of the loaded packages regrouped by vulnerability: its entries by package. */
function byVulnerability(advisories: Map<string, PackageAdvisory[]>) {
  const vulnerabilities = new Map<
    string,
    { advisory: PackageAdvisory; entries: Map<string, AffectedPackage> }
  >();
  for (const list of advisories.values()) {
    for (const advisory of list) {
      const known = vulnerabilities.get(advisory.vulnerability);
      if (known) known.entries.set(advisory.affected.package, advisory.affected);
      else
        vulnerabilities.set(advisory.vulnerability, {
          advisory,
          entries: new Map([[advisory.affected.package, advisory.affected]]),
        });
    }
  }
  return vulnerabilities;
}

function upgradesOf(instances: FindingInstance[]): Upgrade[] {
  const upgrades = new Map<string, Upgrade>();
  for (const instance of instances) {
    const upgrade = upgrades.get(instance.package) ?? {
      package: instance.package,
      to: null,
      otp_release: null,
    };
    upgrade.to = higherVersion(instance.package, upgrade.to, instance.fixed_in);
    upgrade.otp_release = higherVersion('otp', upgrade.otp_release, instance.fixed_in_otp ?? null);
    upgrades.set(instance.package, upgrade);
  }
  return [...upgrades.values()].sort((a, b) => a.package.localeCompare(b.package));
}

/**
 * The findings of an app-environment from its live instances' dependency items and the advisories of
 * the packages they load: one per vulnerability, with every affected package of every instance (see
 * advisories/exposure.ts for when an OTP release counts). Pure: the same inputs give the same findings.
 */
export function computeFindings(
  dependencies: DependencyItem[],
  advisories: Map<string, PackageAdvisory[]>,
  /** The live instances that are running (not stale): listed first when a finding lists only some. */
  running: ReadonlySet<string> = new Set(dependencies.map((dependency) => dependency.instance)),
): ComputedFinding[] {
  const instances = new Map<string, Map<string, LoadedApplication>>();
  for (const dependency of dependencies) {
    const loaded = instances.get(dependency.instance) ?? new Map<string, LoadedApplication>();
    loaded.set(dependency.name, dependency);
    instances.set(dependency.instance, loaded);
  }
  const described = new Map(
    [...instances].map(([instance, loaded]) => [
      instance,
      { loaded, describesApplications: reportsApplications(loaded) },
    ]),
  );
  const findings: ComputedFinding[] = [];
  for (const [id, { advisory, entries }] of byVulnerability(advisories)) {
    const exposed: FindingInstance[] = [];
    const matched = new Set<AffectedPackage>();
    // The instances of an app-environment mostly run the same versions: each distinct set is matched once.
    const exposureOf = new Map<string, PackageExposure[]>();
    const relevant = [...new Set([...entries.keys(), otpRelease])];
    for (const [instance, applications] of described) {
      const signature = [
        applications.describesApplications,
        ...relevant.map((name) => {
          const application = applications.loaded.get(name);
          return application ? `${application.version} ${application.ecosystem} ${application.started}` : '';
        }),
      ].join('|');
      let exposures = exposureOf.get(signature);
      if (!exposures) {
        exposures = instanceExposure(entries, advisory.packages, applications);
        exposureOf.set(signature, exposures);
      }
      for (const exposure of exposures) {
        matched.add(exposure.entry);
        exposed.push({
          instance,
          package: exposure.package,
          version: exposure.version,
          started: exposure.started,
          basis: exposure.basis,
          fixed_in: exposure.fixed_in,
          ...(exposure.fixed_in_otp ? { fixed_in_otp: exposure.fixed_in_otp } : {}),
        });
      }
    }
    if (exposed.length === 0) continue;
    exposed.sort(
      (a, b) =>
        Number(running.has(b.instance)) - Number(running.has(a.instance)) ||
        a.instance.localeCompare(b.instance) ||
        a.package.localeCompare(b.package),
    );
    const exposedInstances = [...new Set(exposed.map((row) => row.instance))];
    const listed = new Set(exposedInstances.slice(0, maxListedInstances));
    const packages = [...new Set(exposed.map((instance) => instance.package))].sort();
    const upgrades = upgradesOf(exposed);
    const matchedEntries = [...matched];
    findings.push({
      vulnerability: id,
      aliases: advisory.aliases,
      summary: advisory.summary,
      severity: advisory.severity,
      package: packages[0]!,
      packages,
      ecosystem: matchedEntries.find((entry) => entry.package === packages[0])!.ecosystem,
      basis: exposed.some((instance) => instance.basis === 'application') ? 'application' : 'release',
      vulnerable_code: {
        modules: sortedUnion(matchedEntries.map((entry) => entry.modules)),
        functions: sortedUnion(matchedEntries.map((entry) => entry.functions)),
        files: sortedUnion(matchedEntries.map((entry) => entry.files)),
        conditions: advisory.conditions,
      },
      instances: exposed.filter((row) => listed.has(row.instance)),
      instance_count: exposedInstances.length,
      fixed_in: upgrades.find((upgrade) => upgrade.package === packages[0])!.to,
      upgrades,
      advisory_revision: advisory.revision,
    });
  }
  return findings.sort((a, b) => a.vulnerability.localeCompare(b.vulnerability));
}

/** What to do, in words: "upgrade ssh to 5.1.4.12, shipped in OTP 26.2.5.15". */
export function adviceOf(finding: Pick<FindingContent, 'upgrades'>): string {
  return finding.upgrades
    .map(({ package: name, to, otp_release }) => {
      const what = name === 'otp' ? 'OTP' : name;
      if (to === null) return `no fixed version of ${what} is known`;
      return `upgrade ${what} to ${to}${otp_release ? `, shipped in OTP ${otp_release}` : ''}`;
    })
    .join('; ');
}

export interface FindingChanges {
  /** Findings to write: new, reopened, changed, or fixed. Unchanged findings are not rewritten. */
  writes: FindingItem[];
  /** Findings stored under another key (an earlier id of the flaw, or one per package): replaced. */
  deletes: TableKey[];
  /** Findings that were not open before this evaluation. */
  opened: FindingItem[];
}

const contentOf = (finding: FindingContent) =>
  JSON.stringify([
    finding.packages,
    finding.basis,
    finding.vulnerable_code,
    finding.instances,
    finding.instance_count,
    finding.severity,
    finding.fixed_in,
    finding.upgrades,
    finding.aliases,
    finding.summary,
    finding.advisory_revision,
  ]);

/** The stored findings of each flaw: one, or several where a flaw was stored under other keys before. */
function storedByFlaw(stored: FindingItem[], computed: ComputedFinding[]): Map<string, FindingItem[]> {
  const flawOf = new Map<string, string>();
  for (const finding of computed) {
    for (const id of [finding.vulnerability, ...finding.aliases]) flawOf.set(id, finding.vulnerability);
  }
  const groups = new Map<string, FindingItem[]>();
  for (const item of stored) {
    const flaw = flawOf.get(item.vulnerability) ?? item.vulnerability;
    groups.set(flaw, [...(groups.get(flaw) ?? []), item]);
  }
  return groups;
}

/** Of several stored findings of one flaw, the one that speaks for it: an open one, the oldest. */
function representative(items: FindingItem[]): FindingItem {
  return [...items].sort(
    (a, b) =>
      Number(b.status === 'open') - Number(a.status === 'open') || a.opened_at.localeCompare(b.opened_at),
  )[0]!;
}

/** How the stored findings of an app-environment move to the computed ones: lifecycle open → fixed → open. */
export function diffFindings(
  org: string,
  app: string,
  environment: string,
  stored: FindingItem[],
  computed: ComputedFinding[],
  evaluatedAt: string,
): FindingChanges {
  const storedFlaws = storedByFlaw(stored, computed);
  const changes: FindingChanges = { writes: [], deletes: [], opened: [] };
  const keysOf = (vulnerability: string) => findingKeys(org, app, environment, vulnerability);
  const replace = (items: FindingItem[], by: string) => {
    for (const item of items)
      if (item.sk !== keysOf(by).sk) changes.deletes.push({ pk: item.pk, sk: item.sk });
  };
  for (const finding of computed) {
    const items = storedFlaws.get(finding.vulnerability) ?? [];
    storedFlaws.delete(finding.vulnerability);
    const previous = items.length > 0 ? representative(items) : undefined;
    const suppression = items.find((item) => item.suppression)?.suppression;
    // An alert not yet delivered stays in the outbox whatever the finding becomes.
    const alert = items.find((item) => item.alert)?.alert;
    const moved = items.some((item) => item.sk !== keysOf(finding.vulnerability).sk);
    if (previous?.status === 'open' && !moved && contentOf(previous) === contentOf(finding)) continue;
    const item: FindingItem = {
      ...keysOf(finding.vulnerability),
      app,
      environment,
      ...finding,
      status: 'open',
      opened_at: previous?.status === 'open' ? previous.opened_at : evaluatedAt,
      evaluated_at: evaluatedAt,
      ...(suppression ? { suppression } : {}),
      ...(alert ? { alert } : {}),
      ...(previous?.status === 'open' && previous.alerted_at ? { alerted_at: previous.alerted_at } : {}),
    };
    changes.writes.push(item);
    replace(items, finding.vulnerability);
    if (previous?.status !== 'open') changes.opened.push(item);
  }
  for (const [flaw, items] of storedFlaws) {
    const previous = representative(items);
    const moved = items.some((item) => item.sk !== keysOf(flaw).sk);
    if (previous.status === 'fixed' && !moved) continue;
    const alert = items.find((item) => item.alert)?.alert;
    changes.writes.push({
      ...previous,
      ...(alert ? { alert } : {}),
      ...keysOf(flaw),
      status: 'fixed',
      fixed_at: previous.status === 'fixed' ? (previous.fixed_at ?? evaluatedAt) : evaluatedAt,
      evaluated_at: evaluatedAt,
    });
    replace(items, flaw);
  }
  return changes;
}

/** The alert of a new finding, with what a responder needs to act on it; one id per opening. */
export function alertOf(finding: FindingItem, org: string, classification: Classification): AlertEvent {
  return {
    id: `${org}/${finding.app}/${finding.environment}/${finding.vulnerability}/${finding.opened_at}`,
    type: 'finding.opened',
    org,
    app: finding.app,
    environment: finding.environment,
    vulnerability: finding.vulnerability,
    aliases: finding.aliases,
    severity: finding.severity,
    summary: finding.summary,
    package: finding.package,
    packages: finding.packages,
    basis: finding.basis,
    vulnerable_code: finding.vulnerable_code,
    instances: finding.instances,
    instance_count: finding.instance_count,
    fixed_in: finding.fixed_in,
    advice: adviceOf(finding),
    urls: classification.urls,
    handles_pii: classification.handles_pii,
    opened_at: finding.opened_at,
  };
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

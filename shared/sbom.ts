/**
 * A runtime SBOM: what an app-environment's live instances really load, as a CycloneDX 1.6 document
 * (https://cyclonedx.org/docs/1.6/json/), for the tools that read SBOMs (Dependency-Track, GitHub's
 * dependency graph, Grype). Built from the same view as GET /v1/apps/{app}/{environment}, so that both
 * say the same thing: live instances only (running and stale), one component per package version.
 *
 * Muster's own facts are properties under the `muster:` namespace:
 * - the root component (the app) lists the environment, the classification, every release and git sha
 *   that its live instances report, and the instances themselves;
 * - each component says how many live instances load that version (`muster:instances`) and, when not
 *   all of them do (drift), which ones (`muster:instance`, at most 100);
 * - each vulnerability says its finding's status, and an admin's suppression is its VEX `analysis`.
 *
 * Every string an agent or an advisory sent is a JSON string value: data, never markup.
 */
import {
  instanceExposure,
  type LoadedApplication,
  otpRelease,
  reportsApplications,
} from './advisories/exposure.ts';
import type { Severity, Vulnerability } from './advisories/vulnerability.ts';
import type { AppEnvironmentDetail, FindingView } from './app-environment-detail.ts';
import { maxListedInstances } from './entities/finding.ts';
import { packageUrl, platformCpe } from './package-url.ts';
import { suppressionAnalysis } from './suppression.ts';

export const sbomMediaType = 'application/vnd.cyclonedx+json; version=1.6';

interface Property {
  name: string;
  value: string;
}

interface Source {
  name: string;
  url: string;
}

export interface SbomComponent {
  type: 'application' | 'library' | 'platform';
  'bom-ref': string;
  name: string;
  version?: string;
  purl?: string;
  cpe?: string;
  properties: Property[];
}

interface Rating {
  source?: Source;
  score?: number;
  severity?: Severity | 'unknown';
  method?: 'CVSSv2' | 'CVSSv3' | 'CVSSv31' | 'CVSSv4' | 'other';
  vector?: string;
}

export interface SbomVulnerability {
  'bom-ref': string;
  id: string;
  source: Source;
  references?: { id: string; source: Source }[];
  ratings?: Rating[];
  description: string;
  recommendation?: string;
  advisories?: { url: string }[];
  published?: string;
  updated?: string;
  analysis?: {
    state: string;
    justification?: string;
    detail: string;
    firstIssued: string;
    lastUpdated: string;
  };
  affects: { ref: string; versions: { version: string; status: 'affected' }[] }[];
  properties: Property[];
}

export interface Sbom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    lifecycles: { phase: 'operations' }[];
    tools: { components: { type: 'application'; name: string }[] };
    component: SbomComponent;
  };
  components: SbomComponent[];
  dependencies: { ref: string; dependsOn: string[] }[];
  vulnerabilities: SbomVulnerability[];
}

export interface SbomInput {
  detail: AppEnvironmentDetail;
  /** The vulnerabilities of the detail's findings by id; one that is no longer imported is missing. */
  vulnerabilities: Map<string, Vulnerability>;
  /** `urn:uuid:…`, new for every document. */
  serialNumber: string;
  now: Date;
}

const property = (name: string, value: string): Property => ({ name: `muster:${name}`, value });

/** Where an id is described: the NVD for CVE ids, GitHub's database for GHSA ids, OSV for the rest (EEF-CVE-…). */
export function sourceOf(id: string): Source {
  const path = encodeURIComponent(id);
  if (/^CVE-/i.test(id)) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${path}` };
  if (/^GHSA-/i.test(id)) return { name: 'GitHub', url: `https://github.com/advisories/${path}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${path}` };
}

const cvssMethods: [RegExp, NonNullable<Rating['method']>][] = [
  [/^CVSS:4\.0\//, 'CVSSv4'],
  [/^CVSS:3\.1\//, 'CVSSv31'],
  [/^CVSS:3\.0\//, 'CVSSv3'],
  [/^AV:[LAN]\/AC:/, 'CVSSv2'],
];

function ratingsOf(
  severity: Severity | null,
  vulnerability: Vulnerability | undefined,
): Rating[] | undefined {
  const vector = vulnerability?.vector ?? null;
  const score = vulnerability?.score ?? null;
  if (severity === null && score === null) return undefined;
  return [
    {
      ...(score !== null ? { score } : {}),
      severity: severity ?? 'unknown',
      ...(vector !== null
        ? { method: cvssMethods.find(([prefix]) => prefix.test(vector))?.[1] ?? 'other', vector }
        : {}),
    },
  ];
}

/** Advisory records are fetched from feeds: only what parses as an http(s) URL is a link. */
function advisoryUrls(references: string[]): { url: string }[] {
  const urls = new Set<string>();
  for (const reference of references) {
    if (!URL.canParse(reference)) continue;
    const url = new URL(reference);
    if (url.protocol === 'https:' || url.protocol === 'http:') urls.add(url.href);
  }
  return [...urls].map((url) => ({ url }));
}

const isoTime = (time: string | null | undefined): string | undefined =>
  time && !Number.isNaN(Date.parse(time)) ? new Date(time).toISOString() : undefined;

const byVersion = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function rootComponent(detail: AppEnvironmentDetail, live: AppEnvironmentDetail['instances']): SbomComponent {
  const distinct = (values: (string | null | undefined)[]) =>
    [...new Set(values.filter((value): value is string => !!value))].sort(byVersion);
  const releases = distinct(live.map((instance) => instance.release?.version));
  const releaseNames = distinct(live.map((instance) => instance.release?.name));
  return {
    type: 'application',
    'bom-ref': `muster:app-environment/${detail.app}/${detail.environment}`,
    name: detail.app,
    // The release they all run; while a deploy rolls out, the releases are in the properties.
    ...(releases.length === 1 ? { version: releases[0] } : {}),
    properties: [
      property('environment', detail.environment),
      property('internet_facing', String(detail.internet_facing)),
      property('handles_pii', String(detail.handles_pii)),
      ...detail.urls.map((url) => property('url', url)),
      ...releaseNames.map((name) => property('release_name', name)),
      ...releases.map((version) => property('release_version', version)),
      ...distinct(live.map((instance) => instance.git_sha)).map((sha) => property('git_sha', sha)),
      property('instances', String(live.length)),
      ...live.map((instance) => property('instance', instance.instance)),
    ],
  };
}

/** What a live instance loads, as the exposure rules read it. */
interface RunningInstance {
  loaded: Map<string, LoadedApplication>;
  describesApplications: boolean;
}

/** The OTP release and ERTS are what the applications run on. */
const platforms = new Set([otpRelease, 'erts']);

function components(detail: AppEnvironmentDetail, liveCount: number): SbomComponent[] {
  return detail.dependencies.flatMap(({ name, ecosystem, versions }) =>
    versions.map(({ version, instances }) => {
      const purl = packageUrl({ name, version, ecosystem });
      const cpe = platformCpe({ name, version, ecosystem });
      const drifts = instances.length < liveCount;
      return {
        type: platforms.has(name) ? 'platform' : 'library',
        'bom-ref': purl,
        name,
        version,
        purl,
        ...(cpe ? { cpe } : {}),
        properties: [
          property('ecosystem', ecosystem),
          property('instances', String(instances.length)),
          ...(drifts
            ? instances.slice(0, maxListedInstances).map((instance) => property('instance', instance))
            : []),
        ],
      } satisfies SbomComponent;
    }),
  );
}

/**
 * The components a finding concerns: every package version a live instance is exposed through, by the
 * same rules as the evaluation (exposure.ts), so that none is left out however many instances the
 * finding lists. A finding whose advisory is no longer imported names what its listed instances load.
 */
function affectedComponents(
  finding: FindingView,
  vulnerability: Vulnerability | undefined,
  liveInstances: Map<string, RunningInstance>,
  refOf: (name: string, version: string) => string | undefined,
): SbomVulnerability['affects'] {
  const versions = new Map<string, Set<string>>();
  const add = (name: string, version: string) => {
    if (refOf(name, version) === undefined) return;
    versions.set(name, (versions.get(name) ?? new Set()).add(version));
  };
  for (const row of finding.instances) {
    if (liveInstances.has(row.instance)) add(row.package, row.version);
  }
  if (vulnerability) {
    const entries = new Map(vulnerability.affected.map((entry) => [entry.package, entry]));
    const packages = vulnerability.affected.map((entry) => entry.package);
    for (const instance of liveInstances.values()) {
      for (const exposure of instanceExposure(entries, packages, instance)) {
        add(exposure.package, exposure.version);
      }
    }
  }
  return [...versions]
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([name, set]) =>
      [...set].sort(byVersion).map((version) => ({
        ref: refOf(name, version)!,
        versions: [{ version, status: 'affected' as const }],
      })),
    );
}

function vulnerabilityOf(
  finding: FindingView,
  vulnerability: Vulnerability | undefined,
  affects: SbomVulnerability['affects'],
): SbomVulnerability {
  const suppression = finding.suppression?.active ? finding.suppression : undefined;
  const analysis = suppression ? suppressionAnalysis(suppression) : undefined;
  const published = isoTime(vulnerability?.published);
  const updated = isoTime(vulnerability?.modified);
  const advisories = advisoryUrls(vulnerability?.references ?? []);
  const ratings = ratingsOf(finding.severity, vulnerability);
  return {
    'bom-ref': `muster:vulnerability/${finding.id}`,
    id: finding.id,
    source: sourceOf(finding.id),
    ...(finding.aliases.length
      ? { references: finding.aliases.map((alias) => ({ id: alias, source: sourceOf(alias) })) }
      : {}),
    ...(ratings ? { ratings } : {}),
    description: finding.summary,
    ...(finding.advice ? { recommendation: finding.advice } : {}),
    ...(advisories.length ? { advisories } : {}),
    ...(published ? { published } : {}),
    ...(updated ? { updated } : {}),
    ...(suppression && analysis
      ? {
          analysis: {
            state: analysis.state,
            ...(analysis.justification ? { justification: analysis.justification } : {}),
            detail: suppression.reason,
            firstIssued: suppression.created_at,
            lastUpdated: suppression.created_at,
          },
        }
      : {}),
    affects,
    properties: [
      property('status', finding.status),
      property('instances', String(finding.instance_count ?? finding.instances.length)),
      ...(finding.basis ? [property('basis', finding.basis)] : []),
      ...(finding.opened_at ? [property('opened_at', finding.opened_at)] : []),
      ...(finding.last_confirmed_at ? [property('last_confirmed_at', finding.last_confirmed_at)] : []),
      ...(suppression
        ? [
            property('suppressed_by', suppression.author),
            property('suppressed_until', suppression.expires_at),
          ]
        : []),
    ],
  };
}

/** The CycloneDX document of an app-environment's live instances and its findings that are not fixed. */
export function runtimeSbom({ detail, vulnerabilities, serialNumber, now }: SbomInput): Sbom {
  const live = detail.instances.filter((instance) => instance.status !== 'stopped');
  const root = rootComponent(detail, live);
  const parts = components(detail, live.length);
  const refs = new Map(parts.map((part) => [`${part.name}@${part.version}`, part['bom-ref']]));
  const refOf = (name: string, version: string) => refs.get(`${name}@${version}`);

  const loadedBy = new Map<string, Map<string, LoadedApplication>>(
    live.map((instance) => [instance.instance, new Map()]),
  );
  for (const { name, ecosystem, versions } of detail.dependencies) {
    for (const { version, instances } of versions) {
      for (const instance of instances) {
        loadedBy.get(instance)?.set(name, { version, ecosystem, started: false });
      }
    }
  }
  const liveInstances = new Map<string, RunningInstance>(
    [...loadedBy].map(([instance, loaded]) => [
      instance,
      { loaded, describesApplications: reportsApplications(loaded) },
    ]),
  );
  const findings = detail.findings.filter(
    (finding) => finding.source === 'runtime' && finding.status !== 'fixed',
  );
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber,
    version: 1,
    metadata: {
      timestamp: now.toISOString(),
      lifecycles: [{ phase: 'operations' }],
      tools: { components: [{ type: 'application', name: 'Muster' }] },
      component: root,
    },
    components: parts,
    dependencies: [{ ref: root['bom-ref'], dependsOn: parts.map((part) => part['bom-ref']) }],
    vulnerabilities: findings.map((finding) => {
      const vulnerability = vulnerabilities.get(finding.id);
      return vulnerabilityOf(
        finding,
        vulnerability,
        affectedComponents(finding, vulnerability, liveInstances, refOf),
      );
    }),
  };
}

/**
 * Reads one advisory file, in whichever of the three formats Muster imports, into a Vulnerability:
 *
 * - OSV (schema 1.x): the EEF's EEF-CVE-… records and GitHub's GHSA-… records. Only `Hex` packages are
 *   kept (an npm `phoenix` is not the Hex `phoenix`). GIT ranges are skipped, since commits cannot be
 *   compared with versions; the EEF's records of OTP and Elixir carry nothing else, and their versions
 *   come from the matching CVE record, merged in by alias.
 * - CVE JSON 5: `pkg:otp/<app>`, `pkg:hex/<name>`, `pkg:github/erlang/otp` (the OTP release, package
 *   `otp`) and `pkg:github/elixir-lang/elixir`; other package URLs (a repository, a container image,
 *   npm) name nothing that runs in an Elixir app, or repeat one of those. Only `otp` and `semver`
 *   versions are read: git, date and other versions cannot be compared with a running version.
 * - mix_audit's YAML (`packages/<pkg>/<GHSA-ID>.yml`), whose ranges are GitHub ranges.
 *
 * Every package is placed in the ecosystem a running app's dependency of that name is in, so that an
 * advisory for `pkg:otp/hex` (the Hex client) is matched against the `hex` application that runs.
 */
import cvss from 'ae-cvss-calculator';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { ecosystemOf } from '../ecosystem.ts';
import { fieldPath } from '../validation.ts';
import { parseRange } from '../versions/requirement.ts';
import { InvalidRequirement, VersionMatcher, type VersionScheme } from '../versions/version-matcher.ts';
import { sortVersions } from './affected.ts';
import { combineAffected, identify } from './merge.ts';
import type { AffectedPackage, AffectedRange, Severity, Vulnerability } from './vulnerability.ts';

const { fromVector } = cvss;

export class AdvisoryFormatError extends Error {
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
    this.name = 'AdvisoryFormatError';
  }
}

const osvEvent = z.object({
  introduced: z.string().optional(),
  fixed: z.string().optional(),
  last_affected: z.string().optional(),
  limit: z.string().optional(),
});

const osvSchema = z.object({
  id: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  summary: z.string().optional(),
  details: z.string().optional(),
  published: z.string().optional(),
  modified: z.string().optional(),
  withdrawn: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).default([]),
  affected: z
    .array(
      z.object({
        package: z.object({ ecosystem: z.string(), name: z.string().min(1) }).optional(),
        ranges: z.array(z.object({ type: z.string(), events: z.array(osvEvent) })).default([]),
        versions: z.array(z.string()).default([]),
        ecosystem_specific: z.object({ affected_functions: z.array(z.string()).optional() }).optional(),
      }),
    )
    .default([]),
  references: z.array(z.object({ url: z.string() })).default([]),
  database_specific: z.object({ severity: z.string().optional() }).optional(),
});

const cveStatus = z.enum(['affected', 'unaffected', 'unknown']);

const cvssMetric = z.object({ vectorString: z.string(), baseScore: z.number().optional() }).optional();

const references = z.array(z.object({ url: z.string() })).default([]);

const cveSchema = z.object({
  cveMetadata: z.object({
    cveId: z.string().min(1),
    state: z.string(),
    datePublished: z.string().optional(),
    dateUpdated: z.string().optional(),
  }),
  containers: z.object({
    cna: z.object({
      title: z.string().optional(),
      descriptions: z.array(z.object({ lang: z.string(), value: z.string() })).default([]),
      affected: z
        .array(
          z.object({
            packageURL: z.string().optional(),
            defaultStatus: cveStatus.optional(),
            versions: z
              .array(
                z.object({
                  version: z.string(),
                  status: cveStatus,
                  versionType: z.string().optional(),
                  lessThan: z.string().optional(),
                  lessThanOrEqual: z.string().optional(),
                  changes: z.array(z.object({ at: z.string(), status: cveStatus })).default([]),
                }),
              )
              .default([]),
            programRoutines: z.array(z.object({ name: z.string() })).default([]),
            modules: z.array(z.string()).default([]),
            programFiles: z.array(z.string()).default([]),
          }),
        )
        .default([]),
      metrics: z
        .array(z.object({ cvssV4_0: cvssMetric, cvssV3_1: cvssMetric, cvssV3_0: cvssMetric }))
        .default([]),
      configurations: z.array(z.object({ lang: z.string(), value: z.string() })).default([]),
      references,
    }),
    adp: z.array(z.object({ references })).default([]),
  }),
});

const mixAuditSchema = z.object({
  id: z.string().min(1),
  package: z.string().min(1),
  disclosure_date: z.string().optional(),
  link: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  severity: z.string().optional(),
  vulnerable_version_ranges: z.array(z.string()).min(1),
  first_patched_versions: z.array(z.string().nullable()).nullable().optional(),
});

function read<T extends z.ZodType>(fileName: string, schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new AdvisoryFormatError(fileName, `${fieldPath(issue.path) || 'record'}: ${issue.message}`);
}

function isoDateTime(fileName: string, field: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new AdvisoryFormatError(fileName, `${field}: ${text} is not a date`);
  return new Date(time).toISOString();
}

function severityOfScore(score: number): Severity | null {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return score > 0 ? 'low' : null;
}

/** GitHub's CRITICAL/HIGH/MODERATE/LOW and mix_audit's lower-case copies of them. */
function databaseSeverity(text: string | undefined): Severity | null {
  switch (text?.toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'moderate':
    case 'medium':
      return 'medium';
    case 'low':
      return 'low';
    default:
      return null;
  }
}

/** A vector's base score; a vector the calculator cannot read gives way to the next source. */
function baseScore(vector: string): number | undefined {
  try {
    const score = fromVector(vector)?.calculateScores().base;
    return typeof score === 'number' ? score : undefined;
  } catch {
    return undefined;
  }
}

type Scoring = Pick<Vulnerability, 'severity' | 'score' | 'vector'>;

/** The first vector that scores, in order of preference, else the database's severity. */
function scoring(vectors: { vector: string; score?: number }[], fallback: Severity | null): Scoring {
  for (const { vector, score: given } of vectors) {
    const score = baseScore(vector) ?? given;
    if (score !== undefined) return { severity: severityOfScore(score) ?? fallback, score, vector };
  }
  return { severity: fallback, score: null, vector: null };
}

type PackageId = Pick<AffectedPackage, 'ecosystem' | 'package'>;

function packageOf(name: string): PackageId {
  const lower = name.toLowerCase();
  return { ecosystem: ecosystemOf(lower), package: lower };
}

/**
 * Erlang's spelling of an Elixir module or function ('Elixir.Plug.Conn':read_body/2) in the way
 * Elixir engineers write and grep it (Plug.Conn.read_body/2); Erlang names stay as they are.
 */
function codeName(name: string): string {
  const quoted = /^'?Elixir\.([^':]+)'?(?::(.+))?$/.exec(name.trim());
  if (!quoted) return name.trim();
  return quoted[2] === undefined ? quoted[1]! : `${quoted[1]}.${quoted[2]}`;
}

/** The module of a function: ssh_sftpd of ssh_sftpd:handle_op/4, Plug.Conn of Plug.Conn.read_body/2. */
function moduleOf(functionName: string): string | undefined {
  const erlang = /^([a-z][A-Za-z0-9_@]*):[^/]+\/\d+$/.exec(functionName);
  if (erlang) return erlang[1];
  const elixir = /^([A-Z][A-Za-z0-9_.]*)\.[^./]+\/\d+$/.exec(functionName);
  return elixir?.[1];
}

type CodeLocation = Pick<AffectedPackage, 'functions' | 'modules' | 'files'>;

function codeLocation(functions: string[], modules: string[], files: string[]): CodeLocation {
  const named = [...new Set(functions.filter((name) => name.trim() !== '').map(codeName))].sort();
  return {
    functions: named,
    modules: [
      ...new Set([
        ...modules.filter((name) => name.trim() !== '').map(codeName),
        ...named.flatMap((name) => moduleOf(name) ?? []),
      ]),
    ].sort(),
    files: [...new Set(files.filter((file) => file.trim() !== ''))].sort(),
  };
}

/** A Markdown section of an EEF record's details ("## Configuration"), without Markdown's escapes. */
function detailsSection(details: string | undefined, title: string): string[] {
  const section = details?.split(/^## /m).find((part) => part.startsWith(`${title}\n`));
  const text = section
    ?.slice(title.length)
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|])/g, '$1')
    .trim();
  return text ? [text] : [];
}

function fromOsv(fileName: string, content: unknown): Vulnerability {
  const record = read(fileName, osvSchema, content);
  const affected = record.withdrawn
    ? []
    : record.affected.flatMap((entry): AffectedPackage[] => {
        if (entry.package?.ecosystem !== 'Hex') return [];
        const target = packageOf(entry.package.name);
        const versioned = entry.ranges.filter(
          (range) => range.type === 'SEMVER' || range.type === 'ECOSYSTEM',
        );
        const ranges = versioned.map((range): AffectedRange => ({ type: 'events', events: range.events }));
        const fixed = versioned.flatMap((range) => range.events.flatMap((event) => event.fixed ?? []));
        return [
          {
            ...target,
            ranges,
            versions: sortVersions(target.ecosystem, entry.versions),
            fixed: sortVersions(target.ecosystem, fixed),
            ...codeLocation(entry.ecosystem_specific?.affected_functions ?? [], [], []),
          },
        ];
      });
  const vectors = ['CVSS_V4', 'CVSS_V3'].flatMap((type) =>
    record.severity.filter((entry) => entry.type === type).map((entry) => ({ vector: entry.score })),
  );
  return {
    ...identify([record.id, ...record.aliases], [record.id]),
    summary: record.summary ?? record.details?.split('\n')[0] ?? '',
    ...scoring(vectors, databaseSeverity(record.database_specific?.severity)),
    published: isoDateTime(fileName, 'published', record.published),
    modified: isoDateTime(fileName, 'modified', record.modified),
    references: [...new Set(record.references.map((reference) => reference.url))],
    conditions: detailsSection(record.details, 'Configuration'),
    affected: combineAffected(affected),
    sources: [record.id],
    merges: [],
  };
}

/** What a CVE 5 package URL names, when it is something that runs in an Elixir app. */
function packageOfUrl(url: string | undefined): PackageId | undefined {
  const match = url && /^pkg:([a-z0-9.+-]+)\/([^?#@]+)/i.exec(url);
  if (!match) return undefined;
  const path = match[2]!;
  switch (match[1]!.toLowerCase()) {
    case 'otp':
    case 'hex':
      return packageOf(path.split('/').at(-1)!);
    case 'github':
      if (path.toLowerCase() === 'erlang/otp') return { ecosystem: 'otp', package: 'otp' };
      if (path.toLowerCase() === 'elixir-lang/elixir') return { ecosystem: 'elixir', package: 'elixir' };
      return undefined;
    default:
      return undefined;
  }
}

type CveRecord = z.infer<typeof cveSchema>;
type CveAffected = CveRecord['containers']['cna']['affected'][number];

function cvePackage(entry: CveAffected): AffectedPackage | undefined {
  const target = packageOfUrl(entry.packageURL);
  if (!target) return undefined;
  const ranges: AffectedRange[] = [];
  const versions: string[] = [];
  const fixed: string[] = [];
  for (const item of entry.versions) {
    const type = item.versionType ?? 'semver';
    if (item.status !== 'affected' || (type !== 'otp' && type !== 'semver')) continue;
    const fixes = item.changes.filter((change) => change.status === 'unaffected').map((change) => change.at);
    const bounded = item.lessThan !== undefined || item.lessThanOrEqual !== undefined;
    if (!bounded) versions.push(item.version);
    else if (type === 'otp') {
      ranges.push({
        type: 'branches',
        introduced: item.version,
        ...(item.lessThan !== undefined ? { lessThan: item.lessThan } : {}),
        ...(item.lessThanOrEqual !== undefined ? { lessThanOrEqual: item.lessThanOrEqual } : {}),
        unaffectedAt: fixes,
      });
    } else {
      const end = item.lessThan ?? item.lessThanOrEqual!;
      ranges.push({
        type: 'events',
        events: [
          { introduced: item.version },
          ...item.changes.map((change) =>
            change.status === 'unaffected' ? { fixed: change.at } : { introduced: change.at },
          ),
          ...(end === '*' ? [] : [item.lessThan !== undefined ? { fixed: end } : { last_affected: end }]),
        ],
      });
    }
    fixed.push(...fixes, ...(item.lessThan !== undefined && item.lessThan !== '*' ? [item.lessThan] : []));
  }
  // Without any comparable version, the default status is all the record says about the package.
  if (ranges.length === 0 && versions.length === 0 && entry.defaultStatus === 'affected') {
    ranges.push({ type: 'events', events: [{ introduced: '0' }] });
  }
  return {
    ...target,
    ranges,
    versions: sortVersions(target.ecosystem, versions),
    fixed: sortVersions(target.ecosystem, fixed),
    ...codeLocation(
      entry.programRoutines.map((routine) => routine.name),
      entry.modules,
      entry.programFiles,
    ),
  };
}

function fromCve(fileName: string, content: unknown): Vulnerability {
  const { cveMetadata, containers } = read(fileName, cveSchema, content);
  const { cna } = containers;
  const affected =
    cveMetadata.state === 'REJECTED' ? [] : cna.affected.flatMap((entry) => cvePackage(entry) ?? []);
  const vectors = (['cvssV4_0', 'cvssV3_1', 'cvssV3_0'] as const).flatMap((version) =>
    cna.metrics.flatMap((metric) => {
      const given = metric[version];
      return given ? [{ vector: given.vectorString, score: given.baseScore }] : [];
    }),
  );
  return {
    ...identify([cveMetadata.cveId], [cveMetadata.cveId]),
    summary: cna.title ?? cna.descriptions.find((text) => text.lang.startsWith('en'))?.value ?? '',
    ...scoring(vectors, null),
    published: isoDateTime(fileName, 'cveMetadata.datePublished', cveMetadata.datePublished),
    modified: isoDateTime(fileName, 'cveMetadata.dateUpdated', cveMetadata.dateUpdated),
    references: [
      ...new Set([cna, ...containers.adp].flatMap((container) => container.references.map((ref) => ref.url))),
    ],
    conditions: cna.configurations
      .filter((text) => text.lang.startsWith('en') && text.value.trim() !== '')
      .map((text) => text.value.trim()),
    affected: combineAffected(affected),
    sources: [cveMetadata.cveId],
    merges: [],
  };
}

/** Why a GitHub range cannot be matched, checked on import so that matching never meets one. */
function rangeProblem(range: string, scheme: VersionScheme): string | undefined {
  const clauses = parseRange(range);
  if (!clauses) return 'is not a GitHub range such as ">= 1.3.0, < 1.3.2"';
  try {
    new VersionMatcher(clauses, scheme);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidRequirement) return `cannot be matched: ${error.message}`;
    throw error;
  }
}

function fromMixAudit(fileName: string, content: unknown): Vulnerability {
  const advisory = read(fileName, mixAuditSchema, content);
  const target = packageOf(advisory.package);
  for (const [index, range] of advisory.vulnerable_version_ranges.entries()) {
    const problem = rangeProblem(range, target.ecosystem === 'otp' ? 'otp' : 'elixir');
    if (problem)
      throw new AdvisoryFormatError(fileName, `vulnerable_version_ranges[${index}]: "${range}" ${problem}`);
  }
  const fixed = (advisory.first_patched_versions ?? []).filter((version) => version !== null);
  return {
    ...identify([advisory.id], [advisory.id]),
    summary: (advisory.title ?? advisory.description?.split('\n')[0] ?? '').trim(),
    ...scoring([], databaseSeverity(advisory.severity)),
    published: isoDateTime(fileName, 'disclosure_date', advisory.disclosure_date),
    modified: null,
    references: advisory.link ? [advisory.link] : [],
    conditions: [],
    affected: [
      {
        ...target,
        ranges: advisory.vulnerable_version_ranges.map(
          (range): AffectedRange => ({ type: 'requirement', range }),
        ),
        versions: [],
        fixed: sortVersions(target.ecosystem, fixed),
        functions: [],
        modules: [],
        files: [],
      },
    ],
    sources: [advisory.id],
    merges: [],
  };
}

function parseStructured(fileName: string, content: string): unknown {
  const yaml = /\.ya?ml$/i.test(fileName);
  try {
    return yaml ? parseYaml(content) : JSON.parse(content);
  } catch (error) {
    throw new AdvisoryFormatError(
      fileName,
      `is not ${yaml ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Reads one advisory file of any of the three formats; throws AdvisoryFormatError for anything unreadable. */
export function parseAdvisory(fileName: string, content: string): Vulnerability {
  const document = parseStructured(fileName, content);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new AdvisoryFormatError(fileName, 'is not an advisory record (expected an object)');
  }
  if (/\.ya?ml$/i.test(fileName)) return fromMixAudit(fileName, document);
  if ((document as { dataType?: unknown }).dataType === 'CVE_RECORD' || 'cveMetadata' in document) {
    return fromCve(fileName, document);
  }
  if ('schema_version' in document || 'affected' in document) return fromOsv(fileName, document);
  throw new AdvisoryFormatError(fileName, 'is neither an OSV record nor a CVE JSON 5 record');
}

import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { acceptedText, textProblem } from './text.ts';
import { parseOrThrow } from './validation.ts';

/**
 * Code-scan results that CI uploads per commit: Sobelow (JSON or SARIF), mix_audit (JSON) and
 * `mix hex.audit` (its text output). Each is normalized here to one finding list, so that the queue
 * carries a small, validated message whatever the tool, and a malformed report is refused at once.
 * Fields that a tool adds and Muster does not read are ignored, so that a newer tool version's report
 * is still taken.
 */

export const scanTools = ['sobelow', 'mix_audit', 'hex_audit'] as const;
export type ScanTool = (typeof scanTools)[number];
export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface ScanFinding {
  rule: string;
  severity: Severity;
  title: string;
  file?: string;
  line?: number;
  /**
   * What places the finding in the code without its line number (Sobelow's variable or key, a SARIF
   * result's partial fingerprint), so that its fingerprint survives unrelated lines moving.
   */
  locator?: string;
  package?: string;
  version?: string;
  advisory?: string;
  fixed_in?: string[];
}

export const maxFindings = 2000;

/** A locator long enough to tell findings apart, short enough to keep a stored finding small. */
export const maxLocatorLength = 300;

const text = (max: number) => z.string().max(max).check(acceptedText('lines'));

/**
 * How deeply a value that Muster does not read may nest: its JSON becomes part of a finding's locator,
 * and writing JSON nested far deeper than any report's (a 1 MiB body nests half a million arrays)
 * exhausts the stack.
 */
const maxUnreadNesting = 32;

/** Whether a parsed JSON value nests arrays or objects deeper than `limit`, looked at without recursion. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [next, depth] = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(next)) pending.push([child, depth + 1]);
  }
  return false;
}

const unread = z
  .unknown()
  .refine(
    (value) => !nestsDeeperThan(value, maxUnreadNesting),
    `must not nest more than ${maxUnreadNesting} levels deep`,
  );

/**
 * Sobelow's JSON finding: `type`, `file` and `line`, and whatever else its check reports (`variable`,
 * `key`, `pipeline`; `details`, `cve` and `fingerprint` for known vulnerable dependencies). A check
 * without a variable gives `"variable": null`.
 */
const sobelowFinding = z
  .object({
    type: text(500),
    file: text(1000).nullish(),
    line: z.number().int().nonnegative().nullish(),
  })
  .catchall(unread);

/** Sobelow writes all three buckets; a report that leaves one out has none in it. */
const sobelowJson = z.object({
  findings: z.object({
    high_confidence: z.array(sobelowFinding).default([]),
    medium_confidence: z.array(sobelowFinding).default([]),
    low_confidence: z.array(sobelowFinding).default([]),
  }),
});

const sarifLevel = z.enum(['error', 'warning', 'note', 'none']);

/**
 * GitHub's `security-severity`: a score from 0 to 10 as a numeric string. A value of another shape is
 * read as absent rather than refusing the report, so that the finding's level decides instead.
 */
const securitySeverityProperties = z
  .object({
    'security-severity': z
      .union([text(32), z.number()])
      .optional()
      .catch(undefined),
  })
  .optional();

const sarifRule = z.object({
  id: text(200).nullish(),
  name: text(200).nullish(),
  defaultConfiguration: z.object({ level: sarifLevel.optional() }).optional(),
  properties: securitySeverityProperties,
});

const sarifResult = z.object({
  // Sobelow writes `"ruleId": null` for a finding type it has no rule for.
  ruleId: text(200).nullish(),
  rule: z.object({ id: text(200).nullish(), index: z.number().int().nonnegative().optional() }).optional(),
  level: sarifLevel.optional(),
  message: z.object({ text: text(2000).optional() }).optional(),
  locations: z
    .array(
      z.object({
        physicalLocation: z
          .object({
            artifactLocation: z.object({ uri: text(1000).optional() }).optional(),
            region: z.object({ startLine: z.number().int().nullish() }).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  /** Strings by the SARIF specification; another shape is read as absent, like a bad security-severity. */
  partialFingerprints: z.record(z.string(), text(1000)).optional().catch(undefined),
  properties: securitySeverityProperties,
});

const sarif = z.object({
  version: z.literal('2.1.0'),
  runs: z.array(
    z.object({
      tool: z
        .object({
          driver: z.object({ name: text(200).optional(), rules: z.array(sarifRule).nullish() }),
        })
        .optional(),
      // SARIF lets `results` be null or absent when the tool gave none (it failed, or did not run).
      results: z.array(sarifResult).nullish(),
    }),
  ),
});

/**
 * mix_audit's JSON, as its structs encode: 2.x advisories carry `first_patched_versions` (null in the
 * advisory database when no version fixes the flaw) and, after 2.0.0, `severity`; 1.x advisories had
 * neither (`patched_versions` held requirements, not versions).
 */
const mixAuditJson = z.object({
  pass: z.boolean(),
  vulnerabilities: z.array(
    z.object({
      advisory: z.object({
        id: text(100),
        package: text(100),
        severity: text(20).nullish(),
        title: text(1000).nullish(),
        first_patched_versions: z.array(text(64)).nullish(),
      }),
      dependency: z.object({ package: text(100), version: text(64), lockfile: text(1000).nullish() }),
    }),
  ),
});

/**
 * How severe a finding of each Sobelow check is when Sobelow is highly confident of it, by check type
 * (`Config.CSP`) or, failing that, by the check's namespace (`XSS` for `XSS.SendResp`). A check in
 * neither is medium. docs/matching.md gives the reason for each.
 */
const sobelowCheckSeverity = new Map<string, Severity>([
  ['RCE', 'critical'],
  ['CI', 'critical'],
  ['SQL', 'high'],
  ['Misc.BinToTerm', 'high'],
  ['Traversal', 'high'],
  ['XSS', 'high'],
  ['Config.CSRF', 'high'],
  ['Config.CSRFRoute', 'high'],
  ['Config.CSWH', 'high'],
  ['Config.Secrets', 'high'],
  ['Vuln', 'high'],
  ['Config.CSP', 'medium'],
  ['Config.Headers', 'medium'],
  ['Config.HTTPS', 'medium'],
  ['Config.HSTS', 'medium'],
  ['DOS', 'medium'],
]);

const oneStepLower = { critical: 'high', high: 'medium', medium: 'low', low: 'low' } as const;

/**
 * Sobelow's SARIF marks high-confidence findings `error` and medium- and low-confidence ones alike
 * `warning`, so "highly confident or not" is all that both of its formats tell; a finding it is not
 * highly confident of is one step less severe than its check.
 */
function sobelowSeverity(checkType: string, highConfidence: boolean): Severity {
  const severity =
    sobelowCheckSeverity.get(checkType) ?? sobelowCheckSeverity.get(checkType.split('.')[0]!) ?? 'medium';
  return highConfidence ? severity : oneStepLower[severity];
}

/** The check type of a Sobelow finding's type or message: "XSS.SendResp: XSS in `send_resp`" → XSS.SendResp. */
const checkTypeOf = (type: string): string => type.split(':')[0]!.trim();

/** At most `max` UTF-16 code units, never ending on the first half of a surrogate pair. */
function truncated(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** `name=value` pairs in name order, so that the same fields give the same locator whatever their order. */
function locatorOf(fields: [string, unknown][]): string | undefined {
  const pairs = fields
    .filter(([, value]) => value !== null && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return pairs.length === 0 ? undefined : truncated(pairs.join(' '), maxLocatorLength);
}

/**
 * Fields of a Sobelow JSON finding that do not place it in the code apart from its line: the ones
 * every finding has, and `fingerprint`, which Sobelow hashes from the line number among others.
 */
const sobelowFieldsLeftOutOfLocator = new Set(['type', 'file', 'line', 'fingerprint']);

function fromSobelowJson(report: z.infer<typeof sobelowJson>): ScanFinding[] {
  return (['high_confidence', 'medium_confidence', 'low_confidence'] as const).flatMap((confidence) =>
    report.findings[confidence].map((finding) => {
      const checkType = checkTypeOf(finding.type);
      return {
        rule: checkType,
        severity: sobelowSeverity(checkType, confidence === 'high_confidence'),
        title: finding.type,
        file: finding.file ?? undefined,
        line: finding.line ?? undefined,
        locator: locatorOf(
          Object.entries(finding).filter(([name]) => !sobelowFieldsLeftOutOfLocator.has(name)),
        ),
      };
    }),
  );
}

type SarifResult = z.infer<typeof sarifResult>;
type SarifRule = z.infer<typeof sarifRule>;
type SarifLevel = z.infer<typeof sarifLevel>;

/** The rule a result refers to among its run's rules: by index when the result gives one, else by id. */
function ruleOf(result: SarifResult, rules: SarifRule[]): SarifRule | undefined {
  if (result.rule?.index !== undefined) return rules[result.rule.index];
  const id = result.ruleId ?? result.rule?.id;
  return id === undefined || id === null ? undefined : rules.find((rule) => rule.id === id);
}

/** GitHub's thresholds for `security-severity`; a value that is not a score from above 0 to 10 gives none. */
function severityOfScore(score: string | number | undefined): Severity | undefined {
  const value = typeof score === 'string' && /^\d+(\.\d+)?$/.test(score) ? Number(score) : score;
  if (typeof value !== 'number' || !(value > 0 && value <= 10)) return undefined;
  if (value >= 9) return 'critical';
  if (value >= 7) return 'high';
  if (value >= 4) return 'medium';
  return 'low';
}

const severityOfLevel = { error: 'high', warning: 'medium', note: 'low', none: 'low' } as const;

/** The severity another tool gives a result: its `security-severity`, else its rule's, else its level. */
function severityOfResult(result: SarifResult, rule: SarifRule | undefined, level: SarifLevel): Severity {
  return (
    severityOfScore(result.properties?.['security-severity']) ??
    severityOfScore(rule?.properties?.['security-severity']) ??
    severityOfLevel[level]
  );
}

/** A SARIF artifact URI as a path: newer Sobelow versions percent-encode their SARIF paths (not their JSON ones). */
function pathOfUri(uri: string | undefined): string | undefined {
  if (uri === undefined || !uri.includes('%')) return uri;
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}

function fromSarif(report: z.infer<typeof sarif>): ScanFinding[] {
  return report.runs.flatMap((run) => {
    const rules = run.tool?.driver.rules ?? [];
    const isSobelow = run.tool?.driver.name?.toLowerCase() === 'sobelow';
    return (run.results ?? []).map((result) => {
      const rule = ruleOf(result, rules);
      const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? undefined;
      // SARIF: a result without a level takes its rule's default level, and else is a warning.
      const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const location = result.locations?.[0]?.physicalLocation;
      const message = result.message?.text;
      // Sobelow's rule ids (SBLW031) stand for its check types (XSS.SendResp), which its JSON names;
      // using the check type makes both formats of one scan give the same findings. A finding type
      // without a rule has a null ruleId, and its message still starts with the check type.
      const checkType = rule?.name || (message && checkTypeOf(message)) || ruleId;
      // Sobelow's primaryLocationLineHash is a hash of the finding's line number among others, so it
      // changes whenever the line moves; other tools hash the line's content, which does not. Without
      // one, the message is what places the result, and it is already the title.
      const partialFingerprints = isSobelow ? undefined : result.partialFingerprints;
      return {
        rule: (isSobelow ? checkType : ruleId) ?? 'unknown',
        severity: isSobelow
          ? sobelowSeverity(checkType ?? 'unknown', level === 'error')
          : severityOfResult(result, rule, level),
        title: message ?? ruleId ?? 'finding',
        file: pathOfUri(location?.artifactLocation?.uri),
        line: location?.region?.startLine ?? undefined,
        locator: locatorOf(Object.entries(partialFingerprints ?? {})),
      };
    });
  });
}

function advisorySeverity(severity: string | null | undefined): Severity {
  switch (severity?.toLowerCase()) {
    case 'critical':
      return 'critical';
    case 'high':
      return 'high';
    case 'low':
    case 'none':
      return 'low';
    default:
      return 'medium';
  }
}

function fromMixAudit(report: z.infer<typeof mixAuditJson>): ScanFinding[] {
  return report.vulnerabilities.map(({ advisory, dependency }) => ({
    rule: 'dependency',
    severity: advisorySeverity(advisory.severity),
    title: advisory.title ?? advisory.id,
    file: dependency.lockfile ?? undefined,
    package: dependency.package.toLowerCase(),
    version: dependency.version,
    advisory: advisory.id,
    fixed_in: advisory.first_patched_versions ?? [],
  }));
}

/**
 * Which findings the rows under a header of `mix hex.audit` are: retirements, security advisories, or
 * ones that do not fail the audit (acknowledged in mix.exs, accepted by the organization's policy) or
 * are no flaw of the package (denied by that policy), which are not findings.
 */
type HexAuditSection = 'retired' | 'advisories' | 'not_findings';

const hexAuditSectionHeaders = new Map<string, HexAuditSection>([
  ['Retired:', 'retired'],
  ['Advisories:', 'advisories'],
  ['Denied:', 'not_findings'],
  ['Ignored retired:', 'not_findings'],
  ['Ignored advisories:', 'not_findings'],
  ['Policy-accepted retired:', 'not_findings'],
  ['Policy-accepted advisories:', 'not_findings'],
]);

/** Longer than hex.pm allows (a retirement message has at most 140 characters); kept to bound a finding. */
const maxHexAuditText = 1000;

const isBlank = (code: number) => code === 32 || code === 9 || code === 13 || code === 11 || code === 12;

/** The line without ANSI escape sequences (`ESC [ params final`), which Hex prints when colours are on. */
function withoutAnsiCodes(line: string): string {
  if (!line.includes('\u001b')) return line;
  let plain = '';
  let from = 0;
  let at = line.indexOf('\u001b');
  while (at !== -1) {
    plain += line.slice(from, at);
    let end = at + 1;
    if (line[end] === '[') {
      end++;
      while (end < line.length && line.charCodeAt(end) >= 0x30 && line.charCodeAt(end) <= 0x3f) end++;
      if (end < line.length && line.charCodeAt(end) >= 0x40 && line.charCodeAt(end) <= 0x7e) end++;
    }
    from = end;
    at = line.indexOf('\u001b', end);
  }
  return plain + line.slice(from);
}

/** A line read one blank-separated word at a time, each character looked at once. */
class Words {
  private at = 0;

  constructor(private readonly line: string) {}

  /** The next word, or '' at the end of the line. */
  next(): string {
    while (this.at < this.line.length && isBlank(this.line.charCodeAt(this.at))) this.at++;
    const start = this.at;
    while (this.at < this.line.length && !isBlank(this.line.charCodeAt(this.at))) this.at++;
    return this.line.slice(start, this.at);
  }

  /** What is left of the line after the next blanks. */
  rest(): string {
    while (this.at < this.line.length && isBlank(this.line.charCodeAt(this.at))) this.at++;
    return this.line.slice(this.at).trimEnd();
  }
}

/** hex.pm's own rule for a package name: a lower-case letter, then letters, digits and underscores. */
const isPackageName = (word: string) => word.length <= 100 && /^[a-z]\w*$/.test(word);
const isVersion = (word: string) => word.length <= 64 && /^\d+\.\d+\.\d+/.test(word);

/**
 * A retirement is rated by its reason, which Hex prints in parentheses before the maintainer's message:
 * `(security) ...` is high; `(deprecated)`, `(invalid)`, `(renamed)` and `(other)` are low.
 */
function retirementSeverity(reason: string): Severity {
  const close = reason.indexOf(')');
  const category = reason.startsWith('(') && close > 0 ? reason.slice(1, close) : new Words(reason).next();
  return /^(retired_)?security$/i.test(category) ? 'high' : 'low';
}

/** An advisory as Hex prints it: `GHSA-xxxx (HIGH): summary`, or `GHSA-xxxx: summary` without a severity. */
function hexAdvisoryFinding(name: string, version: string, text: string): ScanFinding {
  const words = new Words(text);
  let advisory = words.next();
  let severity: string | undefined;
  if (advisory.endsWith(':')) advisory = advisory.slice(0, -1);
  else {
    const rated = words.next();
    if (rated.startsWith('(') && rated.endsWith('):')) severity = rated.slice(1, -2);
  }
  return {
    rule: 'dependency',
    severity: advisorySeverity(severity),
    title: truncated(words.rest() || advisory, maxHexAuditText).trimEnd(),
    package: name.toLowerCase(),
    version,
    advisory: truncated(advisory, 100),
  };
}

/**
 * `mix hex.audit` prints, depending on the Hex version:
 *
 * - a table of retired packages (`Dependency  Version  Retirement reason`, then one row per package,
 *   columns padded with spaces) or "No retired packages found", and then "Found retired packages";
 *   the versions that check security advisories too add a second table (`Dependency  Version
 *   Advisory`), each advisory followed by its URL on a line of its own;
 * - in the latest versions, sections: `Retired:` and `Advisories:` with one `  name version - reason`
 *   line per finding, then sections that are not findings (`Ignored retired:`, `Policy-accepted
 *   advisories:`, `Denied:`, ...).
 *
 * Each line is read word by word, so that the time taken grows with the length of the output only.
 */
function fromHexAudit(report: string): ScanFinding[] {
  const findings: ScanFinding[] = [];
  let section: HexAuditSection = 'retired';
  for (const rawLine of report.split('\n')) {
    const line = withoutAnsiCodes(rawLine);
    const header = hexAuditSectionHeaders.get(line.trim());
    if (header !== undefined) {
      section = header;
      continue;
    }
    const words = new Words(line);
    const name = words.next();
    const version = words.next();
    if (name === 'Dependency' && version === 'Version') {
      section = words.rest().startsWith('Advisory') ? 'advisories' : 'retired';
      continue;
    }
    if (section === 'not_findings' || !isPackageName(name) || !isVersion(version)) continue;
    let text = words.rest();
    if (text.startsWith('- ') || text === '-') text = text.slice(1).trimStart();
    if (text === '') continue;
    if (section === 'advisories') {
      findings.push(hexAdvisoryFinding(name, version, text));
      continue;
    }
    const reason = truncated(text, maxHexAuditText).trimEnd();
    findings.push({
      rule: 'retired',
      severity: retirementSeverity(reason),
      title: `retired: ${reason}`,
      package: name.toLowerCase(),
      version,
    });
  }
  return findings;
}

function isSarif(report: unknown): boolean {
  return typeof report === 'object' && report !== null && 'runs' in report;
}

/** The findings of an uploaded report, or a ValidationError naming what does not fit the tool's format. */
export function normalizeScanReport(tool: ScanTool, report: unknown): ScanFinding[] {
  let findings: ScanFinding[];
  if (tool === 'sobelow') {
    findings = isSarif(report)
      ? fromSarif(parseOrThrow(sarif, report, 'report'))
      : fromSobelowJson(parseOrThrow(sobelowJson, report, 'report'));
  } else if (tool === 'mix_audit') {
    findings = fromMixAudit(parseOrThrow(mixAuditJson, report, 'report'));
  } else {
    if (typeof report !== 'string')
      throw new ValidationError('report', 'must be the text output of mix hex.audit');
    findings = fromHexAudit(report);
  }
  if (findings.length > maxFindings)
    throw new ValidationError('report', `has more than ${maxFindings} findings`);
  checkFindingText(findings);
  return findings;
}

/**
 * Every string of every finding is text that can be stored and shown. The schemas check the fields
 * they read; this also covers what none checks: `mix hex.audit`'s lines, a SARIF path once decoded, and
 * Sobelow's fields that only go into a locator.
 */
function checkFindingText(findings: ScanFinding[]): void {
  findings.forEach((finding, index) => {
    for (const [name, value] of Object.entries(finding)) {
      for (const part of Array.isArray(value) ? value : [value]) {
        const problem = typeof part === 'string' ? textProblem(part, 'lines') : undefined;
        if (problem) throw new ValidationError('report', `finding ${index + 1}, ${name}: ${problem}`);
      }
    }
  });
}

export type SeverityCounts = Record<Severity, number>;

export function countBySeverity(findings: ScanFinding[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

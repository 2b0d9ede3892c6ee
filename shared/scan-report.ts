import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { parseOrThrow } from './validation.ts';

/**
 * Code-scan results that CI uploads per commit: Sobelow (JSON or SARIF), mix_audit (JSON) and
 * `mix hex.audit` (its text output). Each is normalized here to one finding list, so that the queue
 * carries a small, validated message whatever the tool, and a malformed report is refused at once.
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
  package?: string;
  version?: string;
  advisory?: string;
  fixed_in?: string[];
}

export const maxFindings = 2000;

const text = (max: number) => z.string().max(max);

const sobelowFinding = z.object({
  type: text(500),
  file: text(1000).optional(),
  line: z.number().int().nonnegative().optional(),
});

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
  id: text(200).optional(),
  name: text(200).optional(),
  defaultConfiguration: z.object({ level: sarifLevel.optional() }).optional(),
  properties: securitySeverityProperties,
});

const sarif = z.object({
  version: z.literal('2.1.0'),
  runs: z.array(
    z.object({
      tool: z
        .object({
          driver: z.object({ name: text(200).optional(), rules: z.array(sarifRule).default([]) }),
        })
        .optional(),
      results: z
        .array(
          z.object({
            ruleId: text(200).optional(),
            rule: z
              .object({ id: text(200).optional(), index: z.number().int().nonnegative().optional() })
              .optional(),
            level: sarifLevel.optional(),
            message: z.object({ text: text(2000).optional() }).optional(),
            locations: z
              .array(
                z.object({
                  physicalLocation: z
                    .object({
                      artifactLocation: z.object({ uri: text(1000).optional() }).optional(),
                      region: z.object({ startLine: z.number().int().optional() }).optional(),
                    })
                    .optional(),
                }),
              )
              .optional(),
            properties: securitySeverityProperties,
          }),
        )
        .default([]),
    }),
  ),
});

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
      dependency: z.object({ package: text(100), version: text(64), lockfile: text(1000).optional() }),
    }),
  ),
});

export const scanUploadSchema = z.object({
  app: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.-]+$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  commit_sha: z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a lower-case hexadecimal commit id'),
  ref: z.string().min(1).max(255).optional(),
  pull_request: z.number().int().positive().optional(),
  tool: z.enum(scanTools),
  report: z.unknown(),
});

export type ScanUpload = z.infer<typeof scanUploadSchema>;

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

function fromSobelowJson(report: z.infer<typeof sobelowJson>): ScanFinding[] {
  return (['high_confidence', 'medium_confidence', 'low_confidence'] as const).flatMap((confidence) =>
    report.findings[confidence].map((finding) => {
      // `type` is "<check type>: <title>", as in "XSS.SendResp: XSS in `send_resp`".
      const checkType = finding.type.split(':')[0]!.trim();
      return {
        rule: checkType,
        severity: sobelowSeverity(checkType, confidence === 'high_confidence'),
        title: finding.type,
        file: finding.file,
        line: finding.line,
      };
    }),
  );
}

type SarifRun = z.infer<typeof sarif>['runs'][number];
type SarifResult = SarifRun['results'][number];
type SarifRule = z.infer<typeof sarifRule>;
type SarifLevel = z.infer<typeof sarifLevel>;

/** The rule a result refers to among its run's rules: by index when the result gives one, else by id. */
function ruleOf(result: SarifResult, rules: SarifRule[]): SarifRule | undefined {
  if (result.rule?.index !== undefined) return rules[result.rule.index];
  const id = result.ruleId ?? result.rule?.id;
  return id === undefined ? undefined : rules.find((rule) => rule.id === id);
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

function fromSarif(report: z.infer<typeof sarif>): ScanFinding[] {
  return report.runs.flatMap((run) => {
    const rules = run.tool?.driver.rules ?? [];
    const isSobelow = run.tool?.driver.name?.toLowerCase() === 'sobelow';
    return run.results.map((result) => {
      const rule = ruleOf(result, rules);
      const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id;
      // SARIF: a result without a level takes its rule's default level, and else is a warning.
      const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const location = result.locations?.[0]?.physicalLocation;
      // Sobelow's rule ids (SBLW031) stand for its check types (XSS.SendResp), which its JSON names;
      // using the check type makes both formats of one scan give the same findings.
      const checkType = rule?.name ?? ruleId ?? 'unknown';
      return {
        rule: isSobelow ? checkType : (ruleId ?? 'unknown'),
        severity: isSobelow
          ? sobelowSeverity(checkType, level === 'error')
          : severityOfResult(result, rule, level),
        title: result.message?.text ?? ruleId ?? 'finding',
        file: location?.artifactLocation?.uri,
        line: location?.region?.startLine,
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
    file: dependency.lockfile,
    package: dependency.package.toLowerCase(),
    version: dependency.version,
    advisory: advisory.id,
    fixed_in: advisory.first_patched_versions ?? [],
  }));
}

/**
 * `mix hex.audit` prints a table of retired packages, one per line after the header
 * ("Dependency  Version  Retirement reason"), or "No retired packages found".
 */
function fromHexAudit(report: string): ScanFinding[] {
  const findings: ScanFinding[] = [];
  for (const line of report.split('\n')) {
    const match = /^\s*([a-z][a-z0-9_]*)\s+(\d+\.\d+\.\d+\S*)\s+(.+?)\s*$/.exec(line);
    if (!match) continue;
    const [, name, version, reason] = match;
    findings.push({
      rule: 'retired',
      severity: /security/i.test(reason!) ? 'high' : 'low',
      title: `retired: ${reason}`,
      package: name,
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
  return findings;
}

export type SeverityCounts = Record<Severity, number>;

export function countBySeverity(findings: ScanFinding[]): SeverityCounts {
  const counts: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0 };
  for (const finding of findings) counts[finding.severity]++;
  return counts;
}

/** What the scan ingest function puts on the queue. */
export interface ScanMessage {
  id: string;
  org: string;
  received_at: string;
  app: string;
  commit_sha: string;
  ref?: string;
  pull_request?: number;
  tool: ScanTool;
  findings: ScanFinding[];
}

const findingSchema: z.ZodType<ScanFinding> = z.object({
  rule: z.string(),
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  title: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  package: z.string().optional(),
  version: z.string().optional(),
  advisory: z.string().optional(),
  fixed_in: z.array(z.string()).optional(),
});

export const scanMessageSchema: z.ZodType<ScanMessage> = scanUploadSchema
  .omit({ report: true })
  .extend({ id: z.string(), org: z.string(), received_at: z.string(), findings: z.array(findingSchema) });

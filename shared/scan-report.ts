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

const sarif = z.object({
  version: z.literal('2.1.0'),
  runs: z.array(
    z.object({
      results: z
        .array(
          z.object({
            ruleId: text(200).optional(),
            level: z.enum(['error', 'warning', 'note', 'none']).optional(),
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

const severityOfConfidence = {
  high_confidence: 'high',
  medium_confidence: 'medium',
  low_confidence: 'low',
} as const;

function fromSobelowJson(report: z.infer<typeof sobelowJson>): ScanFinding[] {
  return (['high_confidence', 'medium_confidence', 'low_confidence'] as const).flatMap((confidence) =>
    report.findings[confidence].map((finding) => ({
      rule: finding.type.split(':')[0]!.trim(),
      severity: severityOfConfidence[confidence],
      title: finding.type,
      file: finding.file,
      line: finding.line,
    })),
  );
}

const severityOfLevel = { error: 'high', warning: 'medium', note: 'low', none: 'low' } as const;

function fromSarif(report: z.infer<typeof sarif>): ScanFinding[] {
  return report.runs.flatMap((run) =>
    run.results.map((result) => {
      const location = result.locations?.[0]?.physicalLocation;
      return {
        rule: result.ruleId ?? 'unknown',
        severity: severityOfLevel[result.level ?? 'warning'],
        title: result.message?.text ?? result.ruleId ?? 'finding',
        file: location?.artifactLocation?.uri,
        line: location?.region?.startLine,
      };
    }),
  );
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

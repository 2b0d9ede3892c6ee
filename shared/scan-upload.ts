import * as z from 'zod';
import { branchName } from './default-branch.ts';
import { PayloadTooLargeError, ValidationError } from './errors.ts';
import { reportUploads } from './resources.ts';
import { type ScanFinding, type ScanTool, scanTools } from './scan-report.ts';
import { acceptedText } from './text.ts';
import { parseOrThrow } from './validation.ts';

/**
 * What CI posts to `POST /v1/scans`: one tool's report on one commit, and where that commit sits (its
 * branch, or the pull request it heads and that pull request's base), and what the queue then carries.
 */

const commitSha = z.string().regex(/^[0-9a-f]{7,64}$/, 'must be a lower-case hexadecimal commit id');

/** Where the commit of a scan stands, and which tool scanned it: what the queue carries besides findings. */
const scanContextSchema = z.object({
  app: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9_.-]+$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  /** The commit scanned: for a pull request, its head commit, where the check run goes. */
  commit_sha: commitSha,
  ref: z.string().min(1).max(255).check(acceptedText('name')).optional(),
  pull_request: z.number().int().positive().optional(),
  /** `owner/name` on GitHub (a GitLab project path may have more parts); pull-request feedback needs it. */
  repository: z
    .string()
    .max(255)
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'must be owner/name')
    .optional(),
  /** The pull request's base commit, compared against when Muster has a scan of it. */
  base_sha: commitSha.optional(),
  /** The repository's default branch as CI knows it; an admin's setting for the app wins over it. */
  default_branch: branchName.optional(),
  tool: z.enum(scanTools),
});

export const scanUploadSchema = scanContextSchema
  .extend({
    report: z.unknown().optional(),
    /** A report put to the payload bucket beforehand, by the id `POST /v1/scans/uploads` answered. */
    report_upload: z.uuid().optional(),
  })
  .check((context) => {
    const { report, report_upload } = context.value;
    if ((report === undefined) === (report_upload === undefined))
      context.issues.push({
        code: 'custom',
        path: report === undefined ? ['report'] : ['report_upload'],
        message:
          report === undefined
            ? 'is required, or report_upload naming an uploaded report'
            : 'cannot be given together with report',
        input: context.value,
      });
  });

/** A repository GitHub can have: exactly `owner/name`. */
export const isGitHubRepository = (repository: string): boolean =>
  /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository);

export type ScanUpload = z.infer<typeof scanUploadSchema>;

/** What the scan ingest function puts on the queue. */
export interface ScanMessage extends z.infer<typeof scanContextSchema> {
  id: string;
  org: string;
  received_at: string;
  findings: ScanFinding[];
}

const findingSchema: z.ZodType<ScanFinding> = z.object({
  rule: z.string(),
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  title: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  locator: z.string().optional(),
  package: z.string().optional(),
  version: z.string().optional(),
  advisory: z.string().optional(),
  fixed_in: z.array(z.string()).optional(),
});

export const scanMessageSchema: z.ZodType<ScanMessage> = scanContextSchema.extend({
  id: z.string(),
  org: z.string(),
  received_at: z.string(),
  findings: z.array(findingSchema),
});

/** `POST /v1/scans/uploads`: the exact size of the report to upload, which its URL is signed for. */
const reportUploadRequestSchema = z.object({ bytes: z.number().int().positive() });

/** The size asked for: 400 when it is no size, 413 when larger than an upload may be. */
export function reportUploadSize(body: unknown): number {
  const { bytes } = parseOrThrow(reportUploadRequestSchema, body);
  if (bytes > reportUploads.maxBytes)
    throw new PayloadTooLargeError(`a report may have at most ${reportUploads.maxBytes} bytes`);
  return bytes;
}

/**
 * An uploaded report as the tool's parser takes it: the JSON tools' reports parsed, `mix hex.audit`'s
 * output as its text.
 */
export function reportOfUpload(tool: ScanTool, text: string): unknown {
  if (tool === 'hex_audit') return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('report_upload', `is not valid JSON, as a ${tool} report must be`);
  }
}

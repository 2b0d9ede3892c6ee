import * as z from 'zod';
import { advisoryIdSchema } from './advisory-id.ts';
import type { Suppression } from './entities/finding.ts';
import { ValidationError } from './errors.ts';
import { acceptedText } from './text.ts';
import { parseOrThrow } from './validation.ts';

const maxDays = 365;

/**
 * What the admin concluded about a suppressed finding, by its CycloneDX 1.6 `impactAnalysisState`
 * name, so that an SBOM carries it as the vulnerability's analysis unchanged. `exploitable`: the app
 * runs the affected code and the risk is accepted until the suppression expires.
 */
export const suppressionStates = ['exploitable', 'not_affected', 'false_positive'] as const;
export type SuppressionState = (typeof suppressionStates)[number];

/** Why an app is not affected, by its CycloneDX 1.6 `impactAnalysisJustification` name. */
export const justifications = [
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
] as const;
export type Justification = (typeof justifications)[number];

export const suppressionPathSchema = z.object({
  app: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  environment: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  finding: advisoryIdSchema,
});

/**
 * A suppression says who decided to accept a finding, why, and until when: never for ever. `state` and
 * `justification` are optional, so that clients written before them keep working.
 */
export const suppressionSchema = z
  .object({
    reason: z.string().trim().min(1).max(1000).check(acceptedText('lines')),
    author: z.string().trim().min(1).max(200).check(acceptedText('name')),
    expires_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
    state: z.enum(suppressionStates, `must be one of ${suppressionStates.join(', ')}`).optional(),
    justification: z.enum(justifications, `must be one of ${justifications.join(', ')}`).optional(),
  })
  .strict();

/** A suppression as accepted: its state always said, its justification only with `not_affected`. */
export interface SuppressionRequest {
  reason: string;
  author: string;
  expires_at: string;
  state: SuppressionState;
  justification?: Justification;
}

export function parseSuppression(body: unknown, now: Date): SuppressionRequest {
  const { state = 'exploitable', justification, ...request } = parseOrThrow(suppressionSchema, body);
  const expires = Date.parse(request.expires_at);
  if (expires <= now.getTime()) throw new ValidationError('expires_at', 'must be in the future');
  if (expires > now.getTime() + maxDays * 24 * 3600 * 1000) {
    throw new ValidationError('expires_at', `must be within ${maxDays} days`);
  }
  // CycloneDX gives a justification to not_affected alone: a false positive or an accepted risk has none.
  if (state === 'not_affected' && justification === undefined) {
    throw new ValidationError('justification', 'is required when state is not_affected');
  }
  if (state !== 'not_affected' && justification !== undefined) {
    throw new ValidationError('justification', 'is allowed only when state is not_affected');
  }
  return {
    ...request,
    expires_at: new Date(expires).toISOString(),
    state,
    ...(justification ? { justification } : {}),
  };
}

/** What a suppression says of the finding's impact; one stored before states existed accepted the risk. */
export function suppressionAnalysis(suppression: Suppression): {
  state: SuppressionState;
  justification?: Justification;
} {
  const state = suppression.state ?? 'exploitable';
  return state === 'not_affected' && suppression.justification
    ? { state, justification: suppression.justification }
    : { state };
}

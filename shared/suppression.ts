import * as z from 'zod';
import { advisoryIdSchema } from './advisory-id.ts';
import { ValidationError } from './errors.ts';
import { acceptedText } from './text.ts';
import { parseOrThrow } from './validation.ts';

const maxDays = 365;

export const suppressionPathSchema = z.object({
  app: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  environment: z.string().regex(/^[a-z0-9_.-]{1,64}$/, 'must be 1-64 characters of a-z, 0-9, _, - and .'),
  finding: advisoryIdSchema,
});

/** A suppression says who decided to accept a finding, why, and until when: never for ever. */
export const suppressionSchema = z
  .object({
    reason: z.string().trim().min(1).max(1000).check(acceptedText('lines')),
    author: z.string().trim().min(1).max(200).check(acceptedText('name')),
    expires_at: z.iso.datetime({ offset: true, message: 'must be an RFC 3339 date-time' }),
  })
  .strict();

export type SuppressionRequest = z.infer<typeof suppressionSchema>;

export function parseSuppression(body: unknown, now: Date): SuppressionRequest {
  const request = parseOrThrow(suppressionSchema, body);
  const expires = Date.parse(request.expires_at);
  if (expires <= now.getTime()) throw new ValidationError('expires_at', 'must be in the future');
  if (expires > now.getTime() + maxDays * 24 * 3600 * 1000) {
    throw new ValidationError('expires_at', `must be within ${maxDays} days`);
  }
  return { ...request, expires_at: new Date(expires).toISOString() };
}

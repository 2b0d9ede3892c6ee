import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { appUrls, slug } from './heartbeat.ts';
import { parseOrThrow } from './validation.ts';

export const appEnvironmentPathSchema = z.object({ app: slug, environment: slug });

/**
 * PATCH /v1/apps/{app}/{environment}: an admin's override of the classification, which wins over what
 * agents report. A field set to null removes its override, and the agents' value applies again.
 */
export const classificationOverrideSchema = z
  .object({
    internet_facing: z.boolean().nullable().optional(),
    handles_pii: z.boolean().nullable().optional(),
    urls: appUrls.nullable().optional(),
  })
  .strict();

export type ClassificationOverride = z.infer<typeof classificationOverrideSchema>;

export function parseClassificationOverride(body: unknown): ClassificationOverride {
  const override = parseOrThrow(classificationOverrideSchema, body);
  if (Object.keys(override).length === 0) {
    throw new ValidationError('body', 'set at least one of internet_facing, handles_pii, urls');
  }
  return override;
}

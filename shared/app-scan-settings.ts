import * as z from 'zod';
import { branchName } from './default-branch.ts';
import { type AppScanSettingsItem, defaultCheckFailsOn } from './entities/scan.ts';
import { ValidationError } from './errors.ts';
import { slug } from './heartbeat.ts';
import { parseOrThrow } from './validation.ts';

export const appPathSchema = z.object({ app: slug });

/**
 * PATCH /v1/apps/{app}: an admin's settings for an app's scans. A field set to null removes the
 * setting: the default branch is then what CI says (else `main`), and check runs fail from high.
 */
const appScanSettingsSchema = z
  .object({
    default_branch: branchName.nullable().optional(),
    check_fails_on: z.enum(['critical', 'high', 'medium', 'low']).nullable().optional(),
  })
  .strict();

export type AppScanSettingsChange = z.infer<typeof appScanSettingsSchema>;

export function parseAppScanSettings(body: unknown): AppScanSettingsChange {
  const change = parseOrThrow(appScanSettingsSchema, body);
  if (Object.keys(change).length === 0)
    throw new ValidationError('body', 'set at least one of default_branch, check_fails_on');
  return change;
}

/** The settings as the API answers them: null for a default branch left to CI. */
export const appScanSettingsView = (app: string, item: AppScanSettingsItem | undefined) => ({
  app,
  default_branch: item?.default_branch ?? null,
  check_fails_on: item?.check_fails_on ?? defaultCheckFailsOn,
});

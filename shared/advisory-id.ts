import * as z from 'zod';

/** Any id of an advisory as a client may type it: CVE-2025-4748, GHSA-j43x-5hjq-rgxf, EEF-CVE-…, in any case. */
export const advisoryIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be an advisory id such as CVE-2025-4748 or GHSA-xxxx-xxxx-xxxx');

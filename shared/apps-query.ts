import * as z from 'zod';
import { ValidationError } from './errors.ts';
import { slug } from './heartbeat.ts';
import { decodeCursor, type LookupCursor, type LookupFilters } from './lookup.ts';
import { parseOrThrow } from './validation.ts';

const defaultAppsLimit = 100;
const maxAppsLimit = 1000;

const flag = z.enum(['true', 'false'], 'must be true or false').transform((text) => text === 'true');

export const appsQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d+$/, `must be a whole number from 1 to ${maxAppsLimit}`)
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(maxAppsLimit, `must be at most ${maxAppsLimit}`))
    .default(defaultAppsLimit),
  cursor: z.string().min(1).max(4096).optional(),
  environment: slug.optional(),
  production: flag.optional(),
  internet_facing: flag.optional(),
  handles_pii: flag.optional(),
});

/** GET /v1/apps: a page of app-environments, most exposed first, with the lookup's filters. */
export interface AppsQuery {
  limit: number;
  cursor?: LookupCursor;
  filters: LookupFilters;
}

export function parseAppsQuery(parameters: Record<string, string | undefined>): AppsQuery {
  const known = appsQuerySchema.keyof().options as string[];
  const unknown = Object.keys(parameters).find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new ValidationError(unknown, `is not a parameter of this route (known: ${known.join(', ')})`);
  }
  const { limit, cursor, ...filters } = parseOrThrow(appsQuerySchema, parameters, 'query');
  return { limit, cursor: cursor === undefined ? undefined : decodeCursor(cursor), filters };
}

import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** `deps[3].version` from zod's path ['deps', 3, 'version']. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

/**
 * Parses with a schema, turning the first problem into a ValidationError that names the field.
 * `within` names the value itself (`body`, `query`, `path`, `report`): fields inside a report are named
 * from it (`report.pass`); fields of the body, the query and the path are named alone.
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, within = 'body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = fieldPath(issue.path);
  const field =
    path === ''
      ? within
      : within === 'body' || within === 'query' || within === 'path'
        ? path
        : `${within}.${path}`;
  const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
  throw new ValidationError(field, missing ? 'is required' : issue.message);
}

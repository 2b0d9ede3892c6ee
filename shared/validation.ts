import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** `deps[3].version` from zod's path ['deps', 3, 'version']. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => {
    if (typeof part === 'number') return `${text}[${part}]`;
    return text === '' ? String(part) : `${text}.${String(part)}`;
  }, '');
}

/** Parses with a schema, turning the first problem into a ValidationError that names the field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, root = 'body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath(issue.path) || root;
  const reason = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new ValidationError(field, reason);
}

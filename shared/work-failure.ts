import * as z from 'zod';
import { fieldPath } from './validation.ts';

/**
 * Why a record of the work queue failed, as the work consumer logs it and keeps its last one for the
 * dead-letter listing (`dlq list`): the error's class and message, never the message's payload.
 */
export interface WorkFailure {
  message_id: string;
  /** The kind of work, when the body said one the consumer knows. */
  kind?: string;
  /** The error's class: `ZodError`, `NoSuchKey`, `ConditionalCheckFailedException`… */
  error: string;
  reason: string;
  /** Deliveries of the message so far, this one included (SQS's ApproximateReceiveCount). */
  receive_count: number;
  failed_at: string;
}

/** Long enough for any error Muster raises, short enough that a log line or table row stays readable. */
export const maxReasonLength = 300;

/** Shown at most: a record that breaks a schema at every field would otherwise list them all. */
const maxIssues = 3;

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > maxReasonLength ? `${line.slice(0, maxReasonLength - 1)}…` : line;
}

/**
 * The class and message of what a record failed with, safe to log and to keep. Zod's own message is
 * its issues as JSON, patterns included; they are summed up by field instead (zod's messages name what
 * was expected, never the input). JSON.parse quotes the text it could not parse, which is the payload,
 * so its message is replaced.
 */
export function describeFailure(thrown: unknown): Pick<WorkFailure, 'error' | 'reason'> {
  if (thrown instanceof z.ZodError) {
    const issues = thrown.issues
      .slice(0, maxIssues)
      .map((issue) => `${fieldPath(issue.path) || 'body'}: ${issue.message}`);
    const more = thrown.issues.length - maxIssues;
    return {
      error: thrown.name,
      reason: clip([...issues, ...(more > 0 ? [`${more} more`] : [])].join('; ')),
    };
  }
  if (thrown instanceof SyntaxError)
    return { error: thrown.name, reason: 'text that is not JSON (not shown: it is the payload)' };
  if (thrown instanceof Error) return { error: thrown.name, reason: clip(thrown.message) };
  return { error: typeof thrown, reason: 'a value that is not an Error was thrown' };
}

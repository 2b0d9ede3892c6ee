import * as z from 'zod';
import { isEmailAddress, maxRecipients, normalizeAddress } from './email-address.ts';
import { acceptedText } from './text.ts';
import { parseOrThrow } from './validation.ts';
import { webhookUrlProblem } from './webhook.ts';

const recipientsSchema = z.object({
  emails: z
    .array(z.string().refine(isEmailAddress, 'must be an email address (local@domain, printable ASCII)'))
    .max(maxRecipients, `at most ${maxRecipients} addresses`),
});

/** `{"emails": [...]}`: who receives a list's emails, each once; an empty list sends to nobody. */
export function parseRecipients(body: unknown): string[] {
  const { emails } = parseOrThrow(recipientsSchema, body);
  const seen = new Set<string>();
  return emails.filter((email) => !seen.has(normalizeAddress(email)) && seen.add(normalizeAddress(email)));
}

const webhookSchema = z.object({
  url: z
    .string()
    .check(acceptedText('name'))
    .superRefine((url, context) => {
      const problem = webhookUrlProblem(url);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
});

/** `{"url": "https://..."}`: where alerts are posted. */
export const parseWebhook = (body: unknown): string => parseOrThrow(webhookSchema, body).url;

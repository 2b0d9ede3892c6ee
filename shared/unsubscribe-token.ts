import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';

/** The lists an address can leave: each email carries the link of the list that sent it. */
export type MailingList = 'summary' | 'alerts';

export interface Subscription {
  org: string;
  list: MailingList;
  address: string;
}

const subscriptionSchema = z.object({
  org: z.string().min(1).max(63),
  list: z.enum(['summary', 'alerts']),
  address: z.string().min(3).max(254),
});

const signature = (secret: string, payload: string) =>
  createHmac('sha256', secret).update(payload).digest('base64url');

/**
 * An unsubscribe token: the subscription, and its HMAC-SHA256 under the organization's mail secret.
 * It needs no key and no sign-in, and only Muster can make one, so the link in an email unsubscribes
 * its recipient and nobody else.
 */
export function unsubscribeToken(secret: string, subscription: Subscription): string {
  const payload = Buffer.from(
    JSON.stringify({ org: subscription.org, list: subscription.list, address: subscription.address }),
  ).toString('base64url');
  return `${payload}.${signature(secret, payload)}`;
}

/** What a token claims, before its signature is checked; undefined when it cannot be a token. */
export function readUnsubscribeToken(token: string): Subscription | undefined {
  const [payload, signed, ...rest] = token.split('.');
  if (!payload || !signed || rest.length > 0) return undefined;
  try {
    const parsed = subscriptionSchema.safeParse(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    );
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function verifyUnsubscribeToken(secret: string, token: string): boolean {
  const [payload, signed] = token.split('.');
  if (!payload || !signed) return false;
  const expected = Buffer.from(signature(secret, payload));
  const given = Buffer.from(signed);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

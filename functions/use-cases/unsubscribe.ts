import { normalizeAddress } from '../../shared/email-address.ts';
import { recipientsOf } from '../../shared/entities/organization.ts';
import {
  readUnsubscribeToken,
  type Subscription,
  verifyUnsubscribeToken,
} from '../../shared/unsubscribe-token.ts';
import { readOrganization, removeRecipient } from '../stores/organization-store.ts';

/** The subscription a token stands for, and whether its address is still on the list; undefined for a token Muster did not sign. */
export async function subscriptionOf(
  token: string,
): Promise<{ subscription: Subscription; subscribed: boolean } | undefined> {
  const subscription = readUnsubscribeToken(token);
  if (!subscription) return undefined;
  const organization = await readOrganization(subscription.org);
  if (!organization?.mail_secret || !verifyUnsubscribeToken(organization.mail_secret, token))
    return undefined;
  const recipients = recipientsOf(organization, subscription.list);
  const address = normalizeAddress(subscription.address);
  return {
    subscription,
    subscribed: recipients.some((recipient) => normalizeAddress(recipient) === address),
  };
}

/**
 * Takes the token's address off its list: it gets nothing more from that list until an admin adds it
 * again. Undefined for a token Muster did not sign; unsubscribing twice is no error.
 */
export async function unsubscribe(token: string): Promise<Subscription | undefined> {
  const found = await subscriptionOf(token);
  if (!found) return undefined;
  if (found.subscribed)
    await removeRecipient(found.subscription.org, found.subscription.list, found.subscription.address);
  return found.subscription;
}

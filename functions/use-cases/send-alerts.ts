import { renderAlertEmail } from '../../shared/email/alert-email.ts';
import { normalizeAddress } from '../../shared/email-address.ts';
import { alertDelivery, alertDeliverySeconds } from '../../shared/entities/delivery.ts';
import type { AlertEvent } from '../../shared/entities/finding.ts';
import { recipientsOf } from '../../shared/entities/organization.ts';
import type { AlertNotification } from '../../shared/notifications.ts';
import { webhookHeaders, webhookPayload } from '../../shared/webhook.ts';
import { config } from '../lib/config.ts';
import { postWebhook } from '../lib/webhook-client.ts';
import { claimDelivery, confirmDelivery, releaseDelivery } from '../stores/delivery-store.ts';
import { readOrganization } from '../stores/organization-store.ts';
import { mailTo, recipientLinks } from './recipient-mail.ts';

/** Where one notification goes: each alert recipient by email, and the webhook when there is one. */
interface Channel {
  /** Names the channel in the delivery records: `email:<address>` or `webhook`. */
  name: string;
  send(events: AlertEvent[]): Promise<void>;
}

export interface AlertOutcome {
  /** Channels that sent something now. */
  sent: number;
  /** Channels that had every event already (a repeated delivery). */
  skipped: number;
}

/**
 * Sends the alerts of one evaluation to each channel of the organization, each finding at most once
 * per channel: an event is claimed for a channel before the send, confirmed after it, and given up if
 * the send fails. A repeated or concurrent delivery of the notification finds the claims and sends
 * nothing more; a channel that failed throws after the others have sent, so that the retry reaches it
 * alone. Events of one notification go out together: one email per recipient, one webhook call.
 */
export async function sendAlerts(
  notification: AlertNotification,
  owner: string,
  now = new Date(),
): Promise<AlertOutcome> {
  const organization = await readOrganization(notification.org);
  if (!organization) return { sent: 0, skipped: 0 };
  const { org, app, environment } = notification;
  const channels: Channel[] = [];
  const recipients = recipientsOf(organization, 'alerts');
  if (recipients.length > 0) {
    const linksFor = await recipientLinks(organization, 'alerts');
    for (const address of recipients) {
      channels.push({
        name: `email:${normalizeAddress(address)}`,
        send: async (events) => {
          const links = linksFor(address);
          await mailTo(address, renderAlertEmail(org, events, links), links, now);
        },
      });
    }
  }
  const { webhook } = organization;
  if (webhook) {
    channels.push({
      name: 'webhook',
      send: async (events) => {
        const payload = webhookPayload(org, app, environment, events, new Date(), config.DASHBOARD_URL);
        const body = JSON.stringify(payload);
        await postWebhook(webhook.url, body, webhookHeaders(webhook.secret, body, payload));
      },
    });
  }

  const outcome: AlertOutcome = { sent: 0, skipped: 0 };
  const failures: string[] = [];
  await Promise.all(
    channels.map(async (channel) => {
      const what = (event: AlertEvent) => alertDelivery(app, environment, event.vulnerability, channel.name);
      const claimed: AlertEvent[] = [];
      for (const event of notification.events) {
        if (await claimDelivery(org, what(event), owner, { now, keepSeconds: alertDeliverySeconds }))
          claimed.push(event);
      }
      if (claimed.length === 0) {
        outcome.skipped++;
        return;
      }
      try {
        await channel.send(claimed);
      } catch (error) {
        await Promise.all(claimed.map((event) => releaseDelivery(org, what(event), owner)));
        failures.push(
          `${channel.name.startsWith('email:') ? 'email' : channel.name}: ${(error as Error).message}`,
        );
        return;
      }
      await Promise.all(claimed.map((event) => confirmDelivery(org, what(event), owner, now)));
      outcome.sent++;
    }),
  );
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${channels.length} alert channels failed: ${failures.join('; ')}`);
  }
  return outcome;
}

import { renderWeeklySummaryEmail } from '../../shared/email/weekly-summary-email.ts';
import { normalizeAddress } from '../../shared/email-address.ts';
import { summaryDelivery, summaryDeliverySeconds } from '../../shared/entities/delivery.ts';
import type { SummaryNotification } from '../../shared/notifications.ts';
import { buildWeeklySummary } from '../../shared/weekly-summary.ts';
import { lifecycle } from '../lib/config.ts';
import { readVulnerabilities } from '../stores/advisory-store.ts';
import { claimDelivery, confirmDelivery, releaseDelivery } from '../stores/delivery-store.ts';
import { readOrganization, readOrganizationItems } from '../stores/organization-store.ts';
import { mailTo, recipientLinks } from './recipient-mail.ts';

export interface SummaryOutcome {
  sent: number;
  /** Recipients who had this week's summary already. */
  skipped: number;
}

/**
 * Sends an organization's summary of a week, once to each recipient: each is claimed before anything
 * is read, so that a repeated run of the week costs one write per recipient and sends nothing; the
 * summary is built once and sent to each claimed recipient alone. A recipient whose send failed is
 * released, and the error fails the notification, whose retry reaches only the recipients not yet sent.
 */
export async function sendWeeklySummary(
  notification: SummaryNotification,
  owner: string,
  now = new Date(),
): Promise<SummaryOutcome> {
  const { org, week, force = false } = notification;
  const organization = await readOrganization(org);
  const recipients = [...new Set((organization?.summary_recipients ?? []).map(normalizeAddress))];
  if (!organization || recipients.length === 0) return { sent: 0, skipped: 0 };
  const what = (address: string) => summaryDelivery(week, address);
  const claimed: string[] = [];
  for (const address of recipients) {
    if (
      await claimDelivery(org, what(address), owner, {
        now,
        keepSeconds: summaryDeliverySeconds,
        again: force,
      })
    )
      claimed.push(address);
  }
  if (claimed.length === 0) return { sent: 0, skipped: recipients.length };

  const failures: string[] = [];
  let sent = 0;
  try {
    const items = await readOrganizationItems(org);
    const open = [...new Set(items.findings.filter((f) => f.status === 'open').map((f) => f.vulnerability))];
    const published = new Map(
      (await readVulnerabilities(open)).map((vulnerability) => [vulnerability.id, vulnerability.published]),
    );
    const summary = buildWeeklySummary({ org, week, now, items, lifecycle, published });
    const linksFor = await recipientLinks(organization, 'summary');
    for (const address of claimed) {
      const links = linksFor(address);
      try {
        await mailTo(address, renderWeeklySummaryEmail(summary, links), links, now);
      } catch (error) {
        await releaseDelivery(org, what(address), owner);
        failures.push((error as Error).message);
        continue;
      }
      await confirmDelivery(org, what(address), owner, now);
      sent++;
    }
  } catch (error) {
    // Nothing was sent to those not yet reached: their claims go, so the retry sends at once.
    await Promise.all(claimed.map((address) => releaseDelivery(org, what(address), owner)));
    throw error;
  }
  if (failures.length > 0) {
    throw new Error(
      `the summary failed for ${failures.length} of ${claimed.length} recipients: ${failures[0]}`,
    );
  }
  return { sent, skipped: recipients.length - claimed.length };
}

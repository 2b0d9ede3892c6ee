import { SendEmailCommand } from '@aws-sdk/client-ses';
import { summarizeFleet } from '../shared/fleet-summary.ts';
import { renderWeeklySummary } from '../shared/weekly-summary-email.ts';
import { config, lifecycle } from './lib/config.ts';
import { logger } from './lib/logger.ts';
import { ses } from './lib/ses.ts';
import { listOrganizations, readOrganizationItems } from './stores/organization-store.ts';

/** Fired by the weekly schedule: one plain-text summary per organization that has recipients. */
export const handler = async (): Promise<{ sent: number }> => {
  const now = new Date();
  let sent = 0;
  for (const organization of await listOrganizations()) {
    if (organization.summary_recipients.length === 0) continue;
    const summaries = summarizeFleet(await readOrganizationItems(organization.org), now, lifecycle);
    await ses.send(
      new SendEmailCommand({
        Source: config.SUMMARY_FROM,
        Destination: { ToAddresses: organization.summary_recipients },
        Message: {
          Subject: { Data: `Muster weekly summary: ${organization.org}`, Charset: 'UTF-8' },
          Body: {
            Text: {
              Data: renderWeeklySummary(organization.org, summaries, config.DASHBOARD_URL),
              Charset: 'UTF-8',
            },
          },
        },
      }),
    );
    sent++;
  }
  logger.info('weekly summary sent', { organizations: sent });
  return { sent };
};

import type { SummaryNotification } from '../shared/notifications.ts';
import { isoWeek } from '../shared/weekly-summary.ts';
import { logger } from './lib/logger.ts';
import { enqueueAllWork } from './lib/queue.ts';
import { listOrganizations } from './stores/organization-store.ts';

/**
 * Fired by the weekly schedule: asks for one summary per organization with recipients, each its own
 * message, so that one organization's failure is retried alone and never repeats another's. The week
 * is the schedule's, so that a retry on another day still sends (or skips) that week's summary.
 */
export const handler = async (event?: { time?: string }): Promise<{ queued: number; week: string }> => {
  const week = isoWeek(event?.time ? new Date(event.time) : new Date());
  const summaries: Omit<SummaryNotification, 'kind'>[] = (await listOrganizations())
    .filter((organization) => organization.summary_recipients.length > 0)
    .map((organization) => ({ org: organization.org, week }));
  await enqueueAllWork('summary', summaries);
  logger.info('weekly summaries queued', { organizations: summaries.length, week });
  return { queued: summaries.length, week };
};

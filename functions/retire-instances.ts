import { logger } from './lib/logger.ts';
import { enqueueAllWork } from './lib/queue.ts';
import { listOrganizations } from './stores/organization-store.ts';

/**
 * Fired hourly: asks for each organization's sweep (retirement and the apps list's rows that time
 * moved), one message each, so that organizations are swept side by side and one that fails is
 * retried alone.
 */
export const handler = async (): Promise<{ organizations: number }> => {
  const organizations = await listOrganizations();
  await enqueueAllWork(
    'sweep',
    organizations.map(({ org }) => ({ org })),
  );
  logger.info('sweeps asked for', { organizations: organizations.length });
  return { organizations: organizations.length };
};

import { logger } from './lib/logger.ts';
import { listOrganizations } from './stores/organization-store.ts';
import { retireSilentInstances } from './use-cases/retire-instances.ts';

/** Fired daily: removes the instances silent for longer than the retention, organization by organization. */
export const handler = async (): Promise<{ retired: number }> => {
  const now = new Date();
  let retired = 0;
  for (const { org } of await listOrganizations()) retired += await retireSilentInstances(org, now);
  logger.info('instances retired', { retired });
  return { retired };
};

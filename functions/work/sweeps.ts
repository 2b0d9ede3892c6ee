import * as z from 'zod';
import { logger } from '../lib/logger.ts';
import { messageBody } from '../lib/queue.ts';
import { retireSilentInstances } from '../use-cases/retire-instances.ts';
import { eachRecord } from './work-handler.ts';

const sweepMessageSchema = z.object({ org: z.string().min(1) });

/** Each message asks for one organization's hourly sweep, as of when it runs. */
export const sweepOrganizations = eachRecord(2, async (record) => {
  const { org } = sweepMessageSchema.parse(await messageBody(record.body));
  const retired = await retireSilentInstances(org, new Date());
  if (retired > 0) logger.info('instances retired', { org, retired });
});

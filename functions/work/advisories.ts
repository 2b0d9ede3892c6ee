import * as z from 'zod';
import { messageBody } from '../lib/queue.ts';
import { rematchVulnerability } from '../use-cases/rematch-vulnerability.ts';
import { eachRecord } from './work-handler.ts';

const advisoryMessageSchema = z.object({ vulnerability: z.string().min(1) });

/**
 * Each message names a vulnerability that was added or changed; its matches become findings. A few at
 * a time: each reads the usage rows of its packages across every organization.
 */
export const matchAdvisories = eachRecord(5, async (record) => {
  const { vulnerability } = advisoryMessageSchema.parse(await messageBody(record.body));
  await rematchVulnerability(vulnerability);
});

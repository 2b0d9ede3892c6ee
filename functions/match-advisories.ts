import * as z from 'zod';
import { messageBody } from './lib/queue.ts';
import { sqsConsumer } from './lib/sqs-consumer.ts';
import { rematchVulnerability } from './use-cases/rematch-vulnerability.ts';

const advisoryMessageSchema = z.object({ vulnerability: z.string().min(1) });

/** Each message names a vulnerability that was added or changed; its matches become findings. */
export const handler = sqsConsumer(async (record) => {
  const { vulnerability } = advisoryMessageSchema.parse(await messageBody(record.body));
  await rematchVulnerability(vulnerability);
});

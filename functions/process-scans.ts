import { scanMessageSchema } from '../shared/scan-report.ts';
import { messageBody } from './lib/queue.ts';
import { sqsConsumer } from './lib/sqs-consumer.ts';
import { recordScan } from './stores/scan-store.ts';

export const handler = sqsConsumer(async (record) => {
  await recordScan(scanMessageSchema.parse(await messageBody(record.body)));
});

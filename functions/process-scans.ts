import { scanMessageSchema } from '../shared/scan-report.ts';
import { messageBody } from './lib/queue.ts';
import { sqsConsumer } from './lib/sqs-consumer.ts';
import { applyScan } from './use-cases/record-scan.ts';

export const handler = sqsConsumer(async (record) => {
  await applyScan(scanMessageSchema.parse(await messageBody(record.body)));
});

import { scanMessageSchema } from '../../shared/scan-upload.ts';
import { messageBody } from '../lib/queue.ts';
import { applyScan } from '../use-cases/record-scan.ts';
import { eachRecord } from './work-handler.ts';

export const processScans = eachRecord(10, async (record) => {
  await applyScan(scanMessageSchema.parse(await messageBody(record.body)));
});

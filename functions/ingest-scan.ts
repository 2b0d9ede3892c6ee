import { randomUUID } from 'node:crypto';
import { normalizeScanReport, type ScanMessage, scanUploadSchema } from '../shared/scan-report.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { enqueueUpload } from './lib/queue.ts';
import { authenticate } from './stores/api-key-store.ts';

export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'ci');
  const { report, ...upload } = parseOrThrow(scanUploadSchema, jsonBody(event));
  const findings = normalizeScanReport(upload.tool, report);
  const message: ScanMessage = {
    id: randomUUID(),
    org: key.org,
    received_at: new Date().toISOString(),
    ...upload,
    findings,
  };
  await enqueueUpload('scan', message.id, message);
  return json(202, { id: message.id, findings: findings.length });
});

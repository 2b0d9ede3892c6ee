import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../shared/errors.ts';
import { countBySeverity, normalizeScanReport } from '../shared/scan-report.ts';
import {
  reportOfUpload,
  reportUploadSize,
  type ScanMessage,
  scanUploadSchema,
} from '../shared/scan-upload.ts';
import { parseOrThrow } from '../shared/validation.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import { enqueueUpload } from './lib/queue.ts';
import { presignReportUpload, readReportUpload } from './lib/report-uploads.ts';
import { authenticate } from './use-cases/authenticate.ts';

/**
 * CI's scan uploads, with a ci key. `POST /v1/scans` takes one tool's report, in the body or as an
 * upload made beforehand, refuses a malformed one at once (400 naming what is wrong), and queues its
 * findings; `POST /v1/scans/uploads` presigns the upload of a report larger than a request carries.
 */
export const handler = httpRoute(async (event) => {
  const key = await authenticate(event, 'ci');
  switch (event.routeKey) {
    case 'POST /v1/scans/uploads': {
      const bytes = reportUploadSize(jsonBody(event));
      return json(201, await presignReportUpload(key.org, bytes, new Date()));
    }
    case 'POST /v1/scans': {
      const { report, report_upload, ...upload } = parseOrThrow(scanUploadSchema, jsonBody(event));
      const content = report_upload
        ? reportOfUpload(upload.tool, await readReportUpload(key.org, report_upload))
        : report;
      const findings = normalizeScanReport(upload.tool, content);
      const message: ScanMessage = {
        id: randomUUID(),
        org: key.org,
        received_at: new Date().toISOString(),
        ...upload,
        findings,
      };
      await enqueueUpload('scan', message.id, message);
      return json(202, { id: message.id, findings: findings.length, counts: countBySeverity(findings) });
    }
    default:
      throw new NotFoundError(`no route ${event.routeKey}`);
  }
});

import { scanCounts } from '../../shared/fleet-summary.ts';
import type { ScanMessage } from '../../shared/scan-report.ts';
import {
  readAppEnvironmentsOfApp,
  readLatestScans,
  writeScanCounts,
} from '../stores/app-environment-store.ts';
import { recordScan } from '../stores/scan-store.ts';

/**
 * Stores a scan report, then writes the app's scan counts (its latest report of each tool, added up)
 * on each of its app-environments, where the apps list reads them. A retried message writes the same.
 */
export async function applyScan(message: ScanMessage): Promise<void> {
  await recordScan(message);
  const [latestScans, appEnvironments] = await Promise.all([
    readLatestScans(message.org, message.app),
    readAppEnvironmentsOfApp(message.org, message.app),
  ]);
  const newest = latestScans
    .map((scan) => scan.received_at)
    .sort()
    .at(-1);
  if (newest === undefined) return;
  const counts = scanCounts(latestScans);
  await Promise.all(
    appEnvironments.map(({ app, environment }) =>
      writeScanCounts(message.org, app, environment, counts, newest),
    ),
  );
}

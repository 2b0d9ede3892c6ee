import { defaultBranchOf, isOnDefaultBranch } from '../../shared/default-branch.ts';
import { scanCounts } from '../../shared/fleet-summary.ts';
import type { FeedbackNotification } from '../../shared/notifications.ts';
import { fingerprintFindings } from '../../shared/scan-fingerprint.ts';
import { countBySeverity } from '../../shared/scan-report.ts';
import { isGitHubRepository, type ScanMessage } from '../../shared/scan-upload.ts';
import { gitHubApp } from '../lib/github-app.ts';
import { enqueueWork } from '../lib/queue.ts';
import {
  readAppEnvironmentsOfApp,
  readLatestScans,
  writeScanCounts,
} from '../stores/app-environment-store.ts';
import { readAppScanSettings, recordScan } from '../stores/scan-store.ts';

/**
 * Stores a scan report with its findings' fingerprints. A scan of the default branch becomes the app's
 * latest of its tool, and the app's scan counts (its latest report of each tool, added up) are written
 * on each of its app-environments, where the apps list reads them. A scan of a pull request asks for
 * the feedback on that pull request, when a GitHub App is configured. A retried message writes the
 * same, and asks for the same feedback again.
 */
export async function applyScan(message: ScanMessage): Promise<void> {
  const { org, app } = message;
  const settings = await readAppScanSettings(org, app);
  const findings = fingerprintFindings(message.tool, message.findings);
  const onDefaultBranch = isOnDefaultBranch(
    message,
    defaultBranchOf(settings?.default_branch, message.default_branch),
  );
  await recordScan(org, {
    app,
    commit_sha: message.commit_sha,
    tool: message.tool,
    ref: message.ref,
    pull_request: message.pull_request,
    repository: message.repository,
    base_sha: message.base_sha,
    on_default_branch: onDefaultBranch,
    received_at: message.received_at,
    counts: countBySeverity(findings),
    findings,
  });
  if (onDefaultBranch) await refreshScanCounts(org, app);
  const { pull_request, repository } = message;
  const wantsFeedback =
    pull_request !== undefined && repository !== undefined && isGitHubRepository(repository);
  if (wantsFeedback && gitHubApp())
    await enqueueWork({
      kind: 'feedback',
      org,
      app,
      repository,
      pull_request,
      head_sha: message.commit_sha,
    } satisfies FeedbackNotification);
}

async function refreshScanCounts(org: string, app: string): Promise<void> {
  const [latestScans, appEnvironments] = await Promise.all([
    readLatestScans(org, app),
    readAppEnvironmentsOfApp(org, app),
  ]);
  const newest = latestScans
    .map((scan) => scan.received_at)
    .sort()
    .at(-1);
  if (newest === undefined) return;
  const counts = scanCounts(latestScans);
  await Promise.all(
    appEnvironments.map(({ app, environment }) => writeScanCounts(org, app, environment, counts, newest)),
  );
}

import { randomUUID } from 'node:crypto';
import { defaultCheckFailsOn, pullRequestKey, type ScanItem } from '../../shared/entities/scan.ts';
import { ownerOfRepository } from '../../shared/github-owners.ts';
import type { FeedbackNotification } from '../../shared/notifications.ts';
import { checkRunOutput, feedbackMarker, renderComment } from '../../shared/pull-request-feedback.ts';
import {
  type ComparableScan,
  compareScans,
  type PullRequestReview,
  withFingerprints,
} from '../../shared/scan-comparison.ts';
import { config } from '../lib/config.ts';
import { GitHubAppNotInstalled, gitHubApp } from '../lib/github-app.ts';
import { readGitHubOwner } from '../stores/github-owner-store.ts';
import { acquireLease, releaseLease } from '../stores/lease.ts';
import {
  readAppScanSettings,
  readLatestDefaultBranchScan,
  readScan,
  readScansOfCommit,
} from '../stores/scan-store.ts';

export interface FeedbackOutcome {
  /** Why nothing was sent, when nothing was. */
  skipped?: string;
  comment?: { id: number; created: boolean };
  check_run?: { id: number; conclusion: string };
}

/** The check run's name: one per app, as one repository may hold several apps. */
export const checkRunName = (app: string): string => `Muster (${app})`;

/** What a head scan is compared with: the pull request's base commit's scan, else the default branch's latest. */
async function baseOf(
  org: string,
  head: ScanItem,
): Promise<{ scan: ComparableScan; from: 'base_sha' | 'default_branch' } | undefined> {
  const ofBase = head.base_sha && (await readScan(org, head.app, head.base_sha, head.tool));
  if (ofBase) return { scan: withFingerprints(ofBase), from: 'base_sha' };
  const latest = await readLatestDefaultBranchScan(org, head.app, head.tool);
  return latest && latest.commit_sha !== head.commit_sha
    ? { scan: withFingerprints(latest), from: 'default_branch' }
    : undefined;
}

/**
 * Tells a pull request what its head commit's scans found against their base: one comment, updated in
 * place on later runs, and a check run on the head commit. The comment is found by its marker under a
 * lease on the pull request, so that two deliveries never both post one. A repository whose owner is
 * not bound to the scan's organization, or that the app is not installed on, gets nothing, and is not
 * retried.
 */
export async function givePullRequestFeedback(request: FeedbackNotification): Promise<FeedbackOutcome> {
  const github = gitHubApp();
  if (!github) return { skipped: 'no GitHub App is configured' };
  const { org, app, repository, pull_request, head_sha } = request;
  // A scan names its repository freely: without this, any organization's ci key could write on the
  // pull requests of every repository the App is installed on, and turn another's check green.
  const account = ownerOfRepository(repository);
  if ((await readGitHubOwner(account))?.org !== org)
    return { skipped: `the GitHub account ${account} is not bound to organization ${org}` };
  const [heads, settings] = await Promise.all([
    readScansOfCommit(org, app, head_sha),
    readAppScanSettings(org, app),
  ]);
  if (heads.length === 0) return { skipped: `no scan of ${head_sha} is stored` };
  const comparisons = await Promise.all(
    heads.map(async (head) => compareScans(withFingerprints(head), await baseOf(org, head))),
  );
  const review: PullRequestReview = {
    app,
    repository,
    pull_request,
    head_sha,
    comparisons,
    fail_on: settings?.check_fails_on ?? defaultCheckFailsOn,
    dashboard_url: config.DASHBOARD_URL || undefined,
  };
  const key = pullRequestKey(org, app, repository, pull_request);
  const leaseHolder = randomUUID();
  await acquireLease(key, leaseHolder, { what: `pull request ${repository}#${pull_request}` });
  try {
    const comment = await github.upsertComment(
      repository,
      pull_request,
      feedbackMarker(app),
      renderComment(review),
    );
    const output = checkRunOutput(review);
    const checkRun = await github.createCheckRun(repository, head_sha, checkRunName(app), output);
    return { comment, check_run: { id: checkRun.id, conclusion: output.conclusion } };
  } catch (error) {
    if (error instanceof GitHubAppNotInstalled) return { skipped: error.message };
    throw error;
  } finally {
    await releaseLease(key, leaseHolder);
  }
}

import type { AlertEvent } from './entities/finding.ts';
import type { NotificationKind } from './resources.ts';

/**
 * What the work consumer sends to people: alerts by email and webhook, weekly summaries by email, and
 * feedback on pull requests through the GitHub App.
 */

/** The alerts of one evaluation of one app-environment: sent as one email, one webhook call. */
export interface AlertNotification {
  kind: Extract<NotificationKind, 'alert'>;
  org: string;
  app: string;
  environment: string;
  events: AlertEvent[];
}

/** One organization's summary of one ISO week; `force` sends it again to whoever already has it. */
export interface SummaryNotification {
  kind: Extract<NotificationKind, 'summary'>;
  org: string;
  week: string;
  force?: boolean;
}

/** The feedback on one pull request's head commit: a comment and a check run, through the GitHub App. */
export interface FeedbackNotification {
  kind: Extract<NotificationKind, 'feedback'>;
  org: string;
  app: string;
  /** `owner/name` on GitHub. */
  repository: string;
  pull_request: number;
  head_sha: string;
}

export type Notification = AlertNotification | SummaryNotification | FeedbackNotification;

/**
 * How long a failed notification waits before its next try: a minute, five, then fifteen (the most SQS
 * allows a Lambda consumer's queue here), so that a mail service, webhook or GitHub that is down for a while is
 * retried for about half an hour (the work queue's five tries) before the notification moves to the
 * dead-letter queue, rather than five times within the work queue's visibility timeout.
 */
export function retryDelaySeconds(receiveCount: number): number {
  return Math.min(900, 60 * 5 ** Math.max(0, receiveCount - 1));
}

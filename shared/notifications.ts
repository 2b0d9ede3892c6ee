import type { AlertEvent } from './entities/finding.ts';
import { queueBody } from './queue-body.ts';
import type { NotificationKind } from './resources.ts';

/**
 * What the work consumer sends to people: alerts by email and webhook, weekly summaries by email, and
 * feedback on pull requests through the GitHub App.
 */

/**
 * Alerts of one evaluation of one app-environment, sent as one email and one webhook call: all of
 * them, or as many as one message holds (`alertNotifications`).
 */
export interface AlertNotification {
  kind: Extract<NotificationKind, 'alert'>;
  org: string;
  app: string;
  environment: string;
  events: AlertEvent[];
}

/**
 * The most an alert notification's body holds. An event carries up to a hundred instance rows, tens
 * of kilobytes with long names, and SQS takes at most 1 MiB a message: an evaluation that opens many
 * findings at once would otherwise make a message that fails on every try. A quarter of SQS's limit
 * keeps each message one claim-check threshold at most, billed as four 64 KB requests.
 */
export const maxAlertBodyBytes = 256 * 1024;

/**
 * The alerts of one evaluation as notifications to send: one, unless their events together would pass
 * `maxAlertBodyBytes`, in which case as few as fit, in order (each still one email, one webhook
 * call). An event larger than the limit on its own goes alone; none is left out.
 */
export function alertNotifications(
  org: string,
  app: string,
  environment: string,
  events: AlertEvent[],
  maxBytes = maxAlertBodyBytes,
): AlertNotification[] {
  const notification = (chunk: AlertEvent[]): AlertNotification => ({
    kind: 'alert',
    org,
    app,
    environment,
    events: chunk,
  });
  const envelopeBytes = queueBody(notification([])).length;
  const chunks: AlertEvent[][] = [];
  let chunk: AlertEvent[] = [];
  let bytes = envelopeBytes;
  for (const event of events) {
    const eventBytes = queueBody(event).length;
    // Each event after a chunk's first adds a comma.
    if (chunk.length > 0 && bytes + 1 + eventBytes > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = envelopeBytes;
    }
    bytes += (chunk.length > 0 ? 1 : 0) + eventBytes;
    chunk.push(event);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks.map(notification);
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

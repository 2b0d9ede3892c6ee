import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import type { AlertEvent } from '../../shared/entities/finding.ts';
import {
  type AlertNotification,
  type FeedbackNotification,
  retryDelaySeconds,
} from '../../shared/notifications.ts';
import { logger } from '../lib/logger.ts';
import { queueUrl } from '../lib/queue.ts';
import { sqs } from '../lib/sqs.ts';
import { givePullRequestFeedback } from '../use-cases/give-pull-request-feedback.ts';
import { sendAlerts } from '../use-cases/send-alerts.ts';
import { sendWeeklySummary } from '../use-cases/send-weekly-summary.ts';
import { eachRecord } from './work-handler.ts';

/** Events are checked for what the claims need; the rest is as the evaluation that made them wrote it. */
const alertSchema = z.object({
  kind: z.literal('alert'),
  org: z.string(),
  app: z.string(),
  environment: z.string(),
  events: z
    .array(
      z.custom<AlertEvent>(
        (event) => typeof (event as Partial<AlertEvent> | null)?.vulnerability === 'string',
        'must be an alert event',
      ),
    )
    .min(1),
});

const summarySchema = z.object({
  kind: z.literal('summary'),
  org: z.string(),
  week: z.string().regex(/^\d{4}-W\d{2}$/),
  force: z.boolean().optional(),
});

const feedbackSchema = z.object({
  kind: z.literal('feedback'),
  org: z.string(),
  app: z.string(),
  repository: z.string(),
  pull_request: z.number().int().positive(),
  head_sha: z.string(),
});

/**
 * A failed notification comes back on a backoff of its own (a mail service, a webhook or GitHub that
 * is down needs minutes), rather than after the work queue's fifteen-minute visibility timeout each time.
 */
async function backOff(record: SQSRecord): Promise<void> {
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  await sqs
    .send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl('work'),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: retryDelaySeconds(receives),
      }),
    )
    .catch((error: Error) =>
      logger.warn('could not delay the retry', { message_id: record.messageId, reason: error.message }),
    );
}

/** Sends each record; a failed one is put off by its backoff and fails, for SQS to deliver again. */
function notifications(send: (record: SQSRecord) => Promise<object>) {
  return eachRecord(5, async (record) => {
    try {
      logger.info('notification sent', { message_id: record.messageId, ...(await send(record)) });
    } catch (error) {
      await backOff(record);
      throw error;
    }
  });
}

// The message id owns the claims on what it sends: a duplicate of the message has its own id.

/** The alerts of one evaluation each: email to each alert recipient, and the organization's webhook. */
export const sendAlertNotifications = notifications((record) =>
  sendAlerts(alertSchema.parse(JSON.parse(record.body)) satisfies AlertNotification, record.messageId),
);

/** One organization's weekly summary each, to each recipient who does not have it yet. */
export const sendSummaries = notifications((record) =>
  sendWeeklySummary(summarySchema.parse(JSON.parse(record.body)), record.messageId),
);

/** The feedback on one pull request's head commit each: its comment and a check run. */
export const sendPullRequestFeedback = notifications((record) =>
  givePullRequestFeedback(feedbackSchema.parse(JSON.parse(record.body)) satisfies FeedbackNotification),
);

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AlertEvent } from './entities/finding.ts';
import { isProduction } from './environments.ts';

/**
 * An organization's webhook: a JSON POST per alert notification, Slack-compatible (`text`) with the
 * events as structured fields, signed with HMAC-SHA256 over the raw body under the organization's
 * secret. The body carries its `timestamp`, which the signature covers, so that a receiver can refuse
 * a replayed delivery; `X-Muster-Timestamp` repeats it for receivers that check before parsing.
 */

export const signatureHeader = 'x-muster-signature';
export const timestampHeader = 'x-muster-timestamp';
export const deliveryHeader = 'x-muster-delivery';

/** How far a delivery's timestamp may be from the receiver's clock before it is taken for a replay. */
export const replayToleranceSeconds = 300;

export interface WebhookPayload {
  /** What Slack and compatible chat tools show. */
  text: string;
  type: 'findings.opened';
  /** The same for every try of one notification, so that a receiver can drop a repeat. */
  delivery: string;
  /** Epoch seconds when this try was sent. */
  timestamp: number;
  org: string;
  app: string;
  environment: string;
  dashboard_url: string | null;
  events: AlertEvent[];
}

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** Why a URL cannot be a webhook, or undefined when it can. */
export function webhookUrlProblem(text: string): string | undefined {
  if (text.length > 2048) return 'must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials';
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return undefined;
  return 'must use https (http only to a loopback address, for testing)';
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions): text from agents shows as it is. */
const slackText = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function summaryLine(event: AlertEvent): string {
  const versions = [...new Set(event.instances.map((row) => `${row.package} ${row.version}`))].join(', ');
  const fix = event.fixed_in ? `fixed in ${event.fixed_in}` : 'no fixed version yet';
  return `${(event.severity ?? 'unrated').toUpperCase()} ${event.vulnerability}: ${event.summary} (${versions}; ${event.instance_count} instances; ${fix})`;
}

export function webhookPayload(
  org: string,
  app: string,
  environment: string,
  events: AlertEvent[],
  sentAt: Date,
  dashboardUrl: string,
): WebhookPayload {
  const flags = [
    isProduction(environment) ? 'production' : '',
    'internet-facing',
    events.some((event) => event.handles_pii) ? 'handles PII' : '',
  ].filter(Boolean);
  const text = [
    `Muster: ${events.length === 1 ? 'a new finding' : `${events.length} new findings`} on ${app}/${environment} (${flags.join(', ')})`,
    ...events.map((event) => `• ${summaryLine(event)}`),
  ].join('\n');
  return {
    text: slackText(text),
    type: 'findings.opened',
    delivery: createHash('sha256')
      .update(
        events
          .map((event) => event.id)
          .sort()
          .join('\n'),
      )
      .digest('hex')
      .slice(0, 32),
    timestamp: Math.floor(sentAt.getTime() / 1000),
    org,
    app,
    environment,
    dashboard_url: dashboardUrl || null,
    events,
  };
}

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

/** The headers that go with a body: its signature, timestamp and delivery id. */
export function webhookHeaders(
  secret: string,
  body: string,
  payload: WebhookPayload,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    [signatureHeader]: `sha256=${sign(secret, body)}`,
    [timestampHeader]: String(payload.timestamp),
    [deliveryHeader]: payload.delivery,
  };
}

/**
 * What a receiver does with a delivery: checks the signature over the raw body, then that the signed
 * timestamp is recent. Returns the payload, or undefined for a delivery to refuse.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string,
  headers: Record<string, string | undefined>,
  now: Date,
): WebhookPayload | undefined {
  const given = Buffer.from(headers[signatureHeader] ?? '');
  const expected = Buffer.from(`sha256=${sign(secret, rawBody)}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const payload = JSON.parse(rawBody) as WebhookPayload;
  if (Math.abs(now.getTime() / 1000 - payload.timestamp) > replayToleranceSeconds) return undefined;
  return payload;
}

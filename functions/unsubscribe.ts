import { type Html, html } from '../shared/email/html.ts';
import type { Subscription } from '../shared/unsubscribe-token.ts';
import { type HttpResult, httpRoute, queryParameters } from './lib/http.ts';
import { subscriptionOf, unsubscribe } from './use-cases/unsubscribe.ts';

const listNames = { summary: 'the weekly summary', alerts: 'alerts' } as const;

/** A small page of its own: no script, no style, nothing loaded, and it cannot be framed. */
function page(statusCode: number, title: string, body: Html): HttpResult {
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
    },
    body: html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${title}</title></head>
<body><h1>${title}</h1>${body}</body></html>
`.toString(),
  };
}

const listOf = ({ org, list }: Subscription) => html`${listNames[list]} of ${org}`;
const addressOf = ({ address }: Subscription) => html`<strong>${address}</strong>`;

const invalid = () =>
  page(400, 'This unsubscribe link is not valid', html`<p>Use the link of a Muster email as it came.</p>`);

/**
 * The unsubscribe link of an email. Opening it (GET) asks for a click, because mail scanners open
 * links on their own; the click, or a mail client's one-click unsubscribe (RFC 8058, a POST of
 * `List-Unsubscribe=One-Click` to the same URL), takes the address off the list. The signed token is
 * the only credential.
 */
export const handler = httpRoute(async (event) => {
  const token = queryParameters(event).token ?? '';
  if (event.requestContext.http.method === 'POST') {
    const subscription = await unsubscribe(token);
    if (!subscription) return invalid();
    return page(
      200,
      'Unsubscribed',
      html`<p>${addressOf(subscription)} gets no more of ${listOf(subscription)}. An admin of ${subscription.org} can add the address again.</p>`,
    );
  }
  const found = await subscriptionOf(token);
  if (!found) return invalid();
  if (!found.subscribed)
    return page(
      200,
      'Already unsubscribed',
      html`<p>${addressOf(found.subscription)} does not get ${listOf(found.subscription)}.</p>`,
    );
  return page(
    200,
    'Unsubscribe?',
    html`<p>Stop sending ${listOf(found.subscription)} to ${addressOf(found.subscription)}?</p>
<form method="post"><button type="submit">Unsubscribe</button></form>`,
  );
});

/** A webhook that does not answer within this long is tried again later, on the queue's backoff. */
const timeoutMs = 10_000;

export class WebhookError extends Error {
  override name = 'WebhookError';
}

/**
 * Posts a signed body to a webhook. Redirects are not followed: the URL an admin set is the only place
 * a signed alert goes. Any answer but 2xx is a failure, retried with the notification.
 */
export async function postWebhook(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { ...headers, 'user-agent': 'Muster-Webhook/1' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new WebhookError(`webhook unreachable: ${(error as Error).message}`);
  }
  await response.body?.cancel();
  if (response.status < 200 || response.status > 299) {
    throw new WebhookError(`webhook answered ${response.status}`);
  }
}

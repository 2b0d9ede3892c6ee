import { organizationSettings } from '../shared/entities/organization.ts';
import { NotFoundError } from '../shared/errors.ts';
import { parseRecipients, parseWebhook } from '../shared/notification-settings.ts';
import { newWebhookSecret } from '../shared/webhook.ts';
import { httpRoute, json, jsonBody } from './lib/http.ts';
import {
  readOrganization,
  removeWebhook,
  setAlertRecipients,
  setSummaryRecipients,
  setWebhook,
} from './stores/organization-store.ts';
import { authenticate } from './use-cases/authenticate.ts';

/**
 * An organization's settings, for its admins: who receives the weekly summary and the alerts, and the
 * webhook alerts are posted to. The webhook's signing secret is answered once, when the webhook is set;
 * setting it again makes a new one. The GitHub accounts bound to the organization are shown, never set
 * here: an admin could otherwise claim another organization's account before it does.
 */
export const handler = httpRoute(async (event) => {
  const { org } = await authenticate(event, 'admin');
  switch (event.routeKey) {
    case 'GET /v1/organization': {
      const organization = await readOrganization(org);
      if (!organization) throw new NotFoundError(`organization ${org} does not exist`);
      return json(200, organizationSettings(organization));
    }
    case 'PUT /v1/organization/summary-recipients':
      return json(
        200,
        organizationSettings(await setSummaryRecipients(org, parseRecipients(jsonBody(event)))),
      );
    case 'PUT /v1/organization/alert-recipients':
      return json(200, organizationSettings(await setAlertRecipients(org, parseRecipients(jsonBody(event)))));
    case 'PUT /v1/organization/webhook': {
      const url = parseWebhook(jsonBody(event));
      const secret = newWebhookSecret();
      const settings = organizationSettings(await setWebhook(org, url, secret, new Date()));
      return json(200, { ...settings, webhook: { ...settings.webhook, secret } });
    }
    case 'DELETE /v1/organization/webhook':
      return json(200, organizationSettings(await removeWebhook(org)));
    default:
      throw new NotFoundError(`no route ${event.routeKey}`);
  }
});

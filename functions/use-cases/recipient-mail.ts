import type { RenderedEmail } from '../../shared/email/layout.ts';
import type { OrganizationItem } from '../../shared/entities/organization.ts';
import { type MailingList, unsubscribeToken } from '../../shared/unsubscribe-token.ts';
import { config } from '../lib/config.ts';
import { sendEmail } from '../lib/email.ts';
import { mailSecret } from '../stores/organization-store.ts';

export interface RecipientLinks {
  dashboardUrl: string;
  unsubscribeUrl: string;
  /** RFC 8058: mail clients offer their own unsubscribe button, which posts to the URL. */
  headers: Record<string, string>;
}

/** The links an email carries for its one recipient: the dashboard, and leaving the list that sent it. */
export async function recipientLinks(
  organization: OrganizationItem,
  list: MailingList,
): Promise<(address: string) => RecipientLinks> {
  if (!config.API_URL) throw new Error('API_URL is not set: emails need it for their unsubscribe links');
  const secret = await mailSecret(organization);
  // Relative to the API's URL, so that a stage or a path prefix in it is kept.
  const apiUrl = config.API_URL.endsWith('/') ? config.API_URL : `${config.API_URL}/`;
  return (address) => {
    const url = new URL('v1/unsubscribe', apiUrl);
    url.searchParams.set('token', unsubscribeToken(secret, { org: organization.org, list, address }));
    return {
      dashboardUrl: config.DASHBOARD_URL,
      unsubscribeUrl: url.href,
      headers: {
        'List-Unsubscribe': `<${url.href}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
  };
}

/** Sends an email to its one recipient, from the configured sender, with its unsubscribe headers. */
export async function mailTo(
  address: string,
  email: RenderedEmail,
  links: RecipientLinks,
  date: Date,
): Promise<void> {
  await sendEmail({ from: config.SUMMARY_FROM, to: address, ...email, headers: links.headers, date });
}

import type { MailingList } from '../unsubscribe-token.ts';
import type { TableKey } from './key-parts.ts';

/** An organization: the tenant that owns keys, apps and findings. Listed through gsi1 `ORGS`. */
export interface OrganizationItem extends TableKey {
  gsi1pk: 'ORGS';
  gsi1sk: string;
  org: string;
  created_at: string;
  /** Who receives the weekly summary. */
  summary_recipients: string[];
  /** Who is emailed each new critical or high finding on a production, internet-facing app. */
  alert_recipients?: string[];
  /** Where alerts are posted as well, signed with `secret` (see shared/webhook.ts). */
  webhook?: { url: string; secret: string; created_at: string };
  /**
   * Signs the unsubscribe links of the organization's emails; made on the first send. Kept in clear
   * like the webhook secret, which must be readable to sign: the table is encrypted at rest, and only
   * the functions that send or unsubscribe read it.
   */
  mail_secret?: string;
  /**
   * The GitHub accounts bound to the organization (lower-cased; shared/entities/github-owner.ts holds
   * the binding itself): a string set, absent when none.
   */
  github_owners?: Set<string>;
}

/** The attribute that holds each mailing list's recipients. */
export const recipientsAttribute = { summary: 'summary_recipients', alerts: 'alert_recipients' } as const;

/** Who is on one of the organization's mailing lists. */
export const recipientsOf = (item: OrganizationItem, list: MailingList): string[] =>
  item[recipientsAttribute[list]] ?? [];

/**
 * An organization's settings as the API shows them: its mail and webhook settings, never a secret, and
 * the GitHub accounts whose pull requests get its feedback, which only the operator sets.
 */
export interface OrganizationSettings {
  org: string;
  summary_recipients: string[];
  alert_recipients: string[];
  webhook: { url: string; created_at: string } | null;
  github_owners: string[];
}

export function organizationSettings(item: OrganizationItem): OrganizationSettings {
  return {
    org: item.org,
    summary_recipients: item.summary_recipients,
    alert_recipients: recipientsOf(item, 'alerts'),
    webhook: item.webhook ? { url: item.webhook.url, created_at: item.webhook.created_at } : null,
    github_owners: [...(item.github_owners ?? [])].sort(),
  };
}

export const organizationKey = (org: string): TableKey => ({ pk: `ORG#${org}`, sk: 'ORG' });

export const organizationsPartition = 'ORGS';

export function organizationItem(
  org: string,
  createdAt: string,
  recipients: string[] = [],
): OrganizationItem {
  return {
    ...organizationKey(org),
    gsi1pk: organizationsPartition,
    gsi1sk: org,
    org,
    created_at: createdAt,
    summary_recipients: recipients,
  };
}

/**
 * The names of the packages an organization has reported, sharded by first character (package and OTP
 * application names start with a letter: 26 items at most) so that no item nears DynamoDB's 400 KB:
 * `names`, a string set that only grows, each name added with an idempotent ADD. Read when a lookup
 * finds nothing, to tell a package never reported from one that no app runs at those versions.
 */
export interface PackageCatalogItem extends TableKey {
  names: Set<string>;
}

export const packageCatalogPrefix = 'PACKAGES#';

/** The catalog item that holds a name. */
export const packageCatalogKey = (org: string, name: string): TableKey => ({
  pk: organizationKey(org).pk,
  sk: `${packageCatalogPrefix}${name.charAt(0)}`,
});

import type { TableKey } from './key-parts.ts';

/** An organization: the tenant that owns keys, apps and findings. Listed through gsi1 `ORGS`. */
export interface OrganizationItem extends TableKey {
  gsi1pk: 'ORGS';
  gsi1sk: string;
  org: string;
  created_at: string;
  /** Who receives the weekly summary. */
  summary_recipients: string[];
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

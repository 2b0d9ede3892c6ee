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

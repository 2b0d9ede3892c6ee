import type { TableKey } from './key-parts.ts';

/**
 * The one Muster organization a GitHub account is bound to, by the operator: pull-request feedback of
 * that organization's scans may go to the account's repositories, and no other organization's may.
 * One item per account, so that a conditional write on it is what keeps an account to one organization.
 * The organization's item lists its accounts too (`github_owners`), for `GET /v1/organization` and for
 * unbinding those it no longer names.
 */
export interface GitHubOwnerItem extends TableKey {
  /** The account name, lower-cased. */
  owner: string;
  org: string;
  /** When it was first bound to this organization; binding it again keeps this. */
  bound_at: string;
}

/** Without case, as GitHub compares account names. */
export const gitHubOwnerKey = (owner: string): TableKey => ({
  pk: `GITHUB_OWNER#${owner.toLowerCase()}`,
  sk: 'GITHUB_OWNER',
});

import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type GitHubOwnerItem, gitHubOwnerKey } from '../../shared/entities/github-owner.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import { NotFoundError } from '../../shared/errors.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { isConditionFailure } from './lease.ts';
import { readOrganization } from './organization-store.ts';

const tableName = config.TABLE_NAME;

/** Accounts already bound to other organizations: none is taken from them. */
export class GitHubOwnersTaken extends Error {
  override name = 'GitHubOwnersTaken';

  /** `org` is unknown when the other organization bound the account and let it go while this one ran. */
  constructor(readonly taken: { owner: string; org?: string }[]) {
    super(
      taken
        .map(({ owner, org }) =>
          org
            ? `the GitHub account ${owner} is bound to organization ${org}; unbind it there first (orgs github --org ${org})`
            : `the GitHub account ${owner} was bound to another organization meanwhile; run again`,
        )
        .join('\n'),
    );
  }
}

export interface GitHubOwnerBinding {
  /** The accounts bound to the organization now, lower-cased and sorted. */
  owners: string[];
  /** Those it had before and no longer has. */
  unbound: string[];
}

/** The organization a GitHub account is bound to: one consistent GetItem, so that an unbinding holds at once. */
export async function readGitHubOwner(owner: string): Promise<GitHubOwnerItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: gitHubOwnerKey(owner), ConsistentRead: true }),
  );
  return Item as GitHubOwnerItem | undefined;
}

/** Binds the account to the organization unless another holds it; binding it again changes nothing. */
async function claim(owner: string, org: string, now: Date): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: gitHubOwnerKey(owner),
        UpdateExpression: 'SET #org = :org, #owner = :owner, bound_at = if_not_exists(bound_at, :now)',
        ConditionExpression: 'attribute_not_exists(pk) OR #org = :org',
        ExpressionAttributeNames: { '#org': 'org', '#owner': 'owner' },
        ExpressionAttributeValues: { ':org': org, ':owner': owner, ':now': now.toISOString() },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Unbinds the account if it is still the organization's; never another organization's binding. */
async function release(owner: string, org: string): Promise<void> {
  try {
    await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: gitHubOwnerKey(owner),
        ConditionExpression: '#org = :org',
        ExpressionAttributeNames: { '#org': 'org' },
        ExpressionAttributeValues: { ':org': org },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/** Adds to or takes from the organization's list of accounts: ADD and DELETE on a set are idempotent. */
async function changeListed(org: string, change: 'ADD' | 'DELETE', owners: string[]): Promise<void> {
  if (owners.length === 0) return;
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(org),
      UpdateExpression: `${change} github_owners :owners`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':owners': new Set(owners) },
    }),
  );
}

/**
 * Makes `owners` the GitHub accounts of the organization, lower-cased: binds each, and unbinds the
 * others it had. An account bound to another organization is refused before anything is written, and
 * the conditional write on its item refuses it again should another organization bind it meanwhile.
 * Without transactions, the organization's list is kept a superset of the accounts bound to it: it
 * grows before an account's item is written and shrinks after one is deleted, so that a run that
 * stops part-way is completed by running it again.
 */
export async function bindGitHubOwners(
  org: string,
  owners: string[],
  now = new Date(),
): Promise<GitHubOwnerBinding> {
  const wanted = [...new Set(owners.map((owner) => owner.toLowerCase()))].sort();
  const organization = await readOrganization(org);
  if (!organization) throw new NotFoundError(`organization ${org} does not exist`);
  const heldElsewhere = (await Promise.all(wanted.map(readGitHubOwner))).filter(
    (item): item is GitHubOwnerItem => item !== undefined && item.org !== org,
  );
  if (heldElsewhere.length > 0)
    throw new GitHubOwnersTaken(heldElsewhere.map((item) => ({ owner: item.owner, org: item.org })));

  await changeListed(org, 'ADD', wanted);
  const lost = (
    await Promise.all(wanted.map(async (owner) => ((await claim(owner, org, now)) ? [] : [owner])))
  ).flat();
  if (lost.length > 0) {
    await changeListed(org, 'DELETE', lost);
    const holders = await Promise.all(lost.map(readGitHubOwner));
    throw new GitHubOwnersTaken(lost.map((owner, index) => ({ owner, org: holders[index]?.org })));
  }

  const unbound = [...(organization.github_owners ?? [])].filter((owner) => !wanted.includes(owner)).sort();
  await Promise.all(unbound.map((owner) => release(owner, org)));
  await changeListed(org, 'DELETE', unbound);
  return { owners: wanted, unbound };
}

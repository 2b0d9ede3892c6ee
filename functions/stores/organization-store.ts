import { randomBytes } from 'node:crypto';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeAddress } from '../../shared/email-address.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentSortKeyPrefix,
} from '../../shared/entities/app-environment.ts';
import { currentFinding, type FindingItem, findingSortKeyPrefix } from '../../shared/entities/finding.ts';
import { type InstanceItem, instanceSortKeyPrefix } from '../../shared/entities/instance.ts';
import {
  type OrganizationItem,
  organizationKey,
  organizationsPartition,
  recipientsAttribute,
  recipientsOf,
} from '../../shared/entities/organization.ts';
import { type LatestScanItem, latestScanSortKeyPrefix } from '../../shared/entities/scan.ts';
import type { OrganizationItems } from '../../shared/fleet-summary.ts';
import type { MailingList } from '../../shared/unsubscribe-token.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

export function listOrganizations(): Promise<OrganizationItem[]> {
  return queryAll<OrganizationItem>({
    TableName: tableName,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': organizationsPartition },
  });
}

/** App-environments, instance heads, latest scans and findings of an organization: one Query on its partition. */
export async function readOrganizationItems(org: string): Promise<OrganizationItems> {
  const items = await queryAll<{ sk: string }>({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': organizationKey(org).pk },
  });
  const withPrefix = <T>(prefix: string) => items.filter((item) => item.sk.startsWith(prefix)) as T[];
  return {
    appEnvironments: withPrefix<AppEnvironmentItem>(appEnvironmentSortKeyPrefix),
    instances: withPrefix<InstanceItem>(instanceSortKeyPrefix),
    latestScans: withPrefix<LatestScanItem>(latestScanSortKeyPrefix),
    findings: withPrefix<FindingItem>(findingSortKeyPrefix).map(currentFinding),
  };
}

export async function readOrganization(org: string): Promise<OrganizationItem | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: organizationKey(org), ConsistentRead: true }),
  );
  return Item as OrganizationItem | undefined;
}

/** Replaces who receives a list's emails; the organization must exist. */
async function setRecipients(
  org: string,
  list: MailingList,
  recipients: string[],
): Promise<OrganizationItem> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(org),
      UpdateExpression: 'SET #list = :recipients',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#list': recipientsAttribute[list] },
      ExpressionAttributeValues: { ':recipients': recipients },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes as OrganizationItem;
}

export const setSummaryRecipients = (org: string, recipients: string[]) =>
  setRecipients(org, 'summary', recipients);

export const setAlertRecipients = (org: string, recipients: string[]) =>
  setRecipients(org, 'alerts', recipients);

/**
 * Takes an address off a list, leaving every other change alone: the element is removed by its index
 * only if that index still holds it, and the list is read again otherwise. False when it was not on it.
 */
export async function removeRecipient(org: string, list: MailingList, address: string): Promise<boolean> {
  const attribute = recipientsAttribute[list];
  let removed = false;
  for (let attempt = 0; attempt < 10; attempt++) {
    const organization = await readOrganization(org);
    const current = organization ? recipientsOf(organization, list) : [];
    const index = current.findIndex((recipient) => normalizeAddress(recipient) === normalizeAddress(address));
    if (index === -1) return removed;
    try {
      await documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: organizationKey(org),
          UpdateExpression: `REMOVE #list[${index}]`,
          ConditionExpression: `#list[${index}] = :address`,
          ExpressionAttributeNames: { '#list': attribute },
          ExpressionAttributeValues: { ':address': current[index] },
        }),
      );
      removed = true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new Error(`could not take an address off the ${list} list of ${org}: it keeps changing`);
}

/** Sets where alerts are posted, with a new signing secret, which replaces any earlier one. */
export async function setWebhook(
  org: string,
  url: string,
  secret: string,
  now: Date,
): Promise<OrganizationItem> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(org),
      UpdateExpression: 'SET webhook = :webhook',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':webhook': { url, secret, created_at: now.toISOString() } },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes as OrganizationItem;
}

export async function removeWebhook(org: string): Promise<OrganizationItem> {
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(org),
      UpdateExpression: 'REMOVE webhook',
      ConditionExpression: 'attribute_exists(pk)',
      ReturnValues: 'ALL_NEW',
    }),
  );
  return Attributes as OrganizationItem;
}

/** The secret that signs the organization's unsubscribe links, made by the first send that needs it. */
export async function mailSecret(organization: OrganizationItem): Promise<string> {
  if (organization.mail_secret) return organization.mail_secret;
  // if_not_exists: two first sends at once agree on the secret that the first of them wrote.
  const { Attributes } = await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(organization.org),
      UpdateExpression: 'SET mail_secret = if_not_exists(mail_secret, :secret)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':secret': randomBytes(32).toString('base64url') },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return (Attributes as { mail_secret: string }).mail_secret;
}

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
} from '../../shared/entities/organization.ts';
import { type LatestScanItem, latestScanSortKeyPrefix } from '../../shared/entities/scan.ts';
import type { OrganizationItems } from '../../shared/fleet-summary.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
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

export async function setSummaryRecipients(org: string, recipients: string[]): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: organizationKey(org),
      UpdateExpression: 'SET summary_recipients = :recipients',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':recipients': recipients },
    }),
  );
}

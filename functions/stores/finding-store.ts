import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AuditItem,
  appEnvironmentFindingsPrefix,
  auditKey,
  currentFinding,
  type FindingItem,
  type Suppression,
  vulnerabilityFindingsPartition,
} from '../../shared/entities/finding.ts';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchWrite } from './batch-write.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

const findingsWithPrefix = async (org: string, prefix: string, consistent: boolean): Promise<FindingItem[]> =>
  (
    await queryAll<FindingItem>({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': organizationKey(org).pk, ':prefix': prefix },
      ...(consistent ? { ConsistentRead: true } : {}),
    })
  ).map(currentFinding);

/**
 * Every finding of an app-environment, open and fixed: one Query on the organization's partition.
 * An evaluation reads them consistently, since it rewrites them; a view need not pay for that.
 */
export function readAppEnvironmentFindings(
  org: string,
  app: string,
  environment: string,
  consistent = false,
): Promise<FindingItem[]> {
  return findingsWithPrefix(org, appEnvironmentFindingsPrefix(app, environment), consistent);
}

/** Writes an evaluation's findings and removes those it replaced under another key. */
export function writeFindingChanges(writes: FindingItem[], deletes: TableKey[]): Promise<void> {
  return batchWrite(tableName, [
    ...writes.map((item) => ({ PutRequest: { Item: item } })),
    ...deletes.map((key) => ({ DeleteRequest: { Key: key } })),
  ]);
}

/**
 * The findings of any of these ids of a vulnerability, in one organization or all: one Query per id on
 * its partition of gsi1, so the cost follows the number of findings, not the size of the fleet.
 */
export async function readVulnerabilityFindings(ids: string[], org?: string): Promise<FindingItem[]> {
  const findings = await Promise.all(
    ids.map((id) =>
      queryAll<FindingItem>({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression:
          org === undefined ? 'gsi1pk = :pk' : 'gsi1pk = :pk AND begins_with(gsi1sk, :org)',
        ExpressionAttributeValues: {
          ':pk': vulnerabilityFindingsPartition(id),
          ...(org === undefined ? {} : { ':org': `${organizationKey(org).pk}#` }),
        },
      }),
    ),
  );
  return findings.flat().map(currentFinding);
}

/** Removes a delivered alert from its finding's outbox, unless a newer opening replaced it. */
export async function markAlertDelivered(finding: TableKey, alertId: string): Promise<void> {
  await documents
    .send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: finding.pk, sk: finding.sk },
        UpdateExpression: 'REMOVE alert SET alerted_at = :now',
        ConditionExpression: 'alert.id = :id',
        ExpressionAttributeValues: { ':id': alertId, ':now': new Date().toISOString() },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

/**
 * Sets (or, with `suppression` undefined, lifts) the suppression of the finding of a vulnerability in
 * an app-environment, found by its id in any case, as ids are (see aliasKey). Answers the id the
 * finding is stored under; undefined when the app-environment has no finding of it. The caller holds
 * the app-environment's lease, so that no evaluation rewrites the finding from what it read before.
 */
export async function writeSuppression(
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
  suppression: Suppression | undefined,
): Promise<string | undefined> {
  // All of the app-environment's findings, as an evaluation reads them: a key prefix is case-sensitive.
  // A finding stored one per package before (`…#<vulnerability>#<package>`) is found too.
  const findings = (await readAppEnvironmentFindings(org, app, environment, true)).filter(
    (finding) => finding.vulnerability.toUpperCase() === vulnerability.toUpperCase(),
  );
  for (const finding of findings) {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: finding.pk, sk: finding.sk },
        UpdateExpression: suppression ? 'SET suppression = :suppression' : 'REMOVE suppression',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: suppression ? { ':suppression': suppression } : undefined,
      }),
    );
  }
  return findings[0]?.vulnerability;
}

/** Records a change to a suppression in the organization's audit trail. */
export async function appendAudit(org: string, entry: Omit<AuditItem, 'pk' | 'sk'>): Promise<void> {
  await documents.send(
    new PutCommand({ TableName: tableName, Item: { ...auditKey(org, entry.at, randomUUID()), ...entry } }),
  );
}

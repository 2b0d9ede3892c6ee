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

/**
 * Sets (or, with `suppression` undefined, lifts) the suppression of the finding of a vulnerability in
 * an app-environment, and records the change in the organization's audit trail. False when the
 * app-environment has no finding of it.
 */
export async function setSuppression(
  org: string,
  app: string,
  environment: string,
  vulnerability: string,
  actor: string,
  suppression: Omit<Suppression, 'created_at'> | undefined,
): Promise<boolean> {
  // A finding stored one per package before is found too; the prefix alone would also match longer ids.
  const findings = (
    await findingsWithPrefix(org, `${appEnvironmentFindingsPrefix(app, environment)}${vulnerability}`, true)
  ).filter((finding) => finding.vulnerability === vulnerability);
  if (findings.length === 0) return false;
  const at = new Date().toISOString();
  for (const finding of findings) {
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: finding.pk, sk: finding.sk },
        UpdateExpression: suppression ? 'SET suppression = :suppression' : 'REMOVE suppression',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: suppression
          ? { ':suppression': { ...suppression, created_at: at } }
          : undefined,
      }),
    );
  }
  const audit: AuditItem = {
    ...auditKey(org, at, randomUUID()),
    at,
    actor,
    action: suppression ? 'suppress' : 'unsuppress',
    app,
    environment,
    vulnerability,
    ...(suppression ? { reason: suppression.reason, expires_at: suppression.expires_at } : {}),
  };
  await documents.send(new PutCommand({ TableName: tableName, Item: audit }));
  return true;
}

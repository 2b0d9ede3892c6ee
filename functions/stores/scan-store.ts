import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { latestScanKey, scanKey, storedFindings } from '../../shared/entities/scan.ts';
import { countBySeverity, type ScanMessage } from '../../shared/scan-report.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';

const tableName = config.TABLE_NAME;

const ignoreConditionFailure = (error: Error) => {
  if (error.name !== 'ConditionalCheckFailedException') throw error;
};

/**
 * Stores a scan report. Re-delivery and re-upload of the same commit are idempotent; a report received
 * earlier than the stored one never replaces it, so out-of-order delivery keeps the newest.
 */
export async function recordScan(message: ScanMessage): Promise<void> {
  const { org, app, commit_sha, tool, ref, pull_request, received_at } = message;
  const counts = countBySeverity(message.findings);
  const summary = { app, commit_sha, tool, ref, pull_request, received_at, counts };
  const newerOnly = 'attribute_not_exists(received_at) OR received_at <= :received';
  await documents
    .send(
      new PutCommand({
        TableName: tableName,
        Item: { ...scanKey(org, app, commit_sha, tool), ...summary, ...storedFindings(message.findings) },
        ConditionExpression: newerOnly,
        ExpressionAttributeValues: { ':received': received_at },
      }),
    )
    .catch(ignoreConditionFailure);
  await documents
    .send(
      new PutCommand({
        TableName: tableName,
        Item: { ...latestScanKey(org, app, tool), ...summary },
        ConditionExpression: newerOnly,
        ExpressionAttributeValues: { ':received': received_at },
      }),
    )
    .catch(ignoreConditionFailure);
}

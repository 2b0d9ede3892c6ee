import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type SessionItem, sessionItem, sessionKey } from '../../shared/entities/session.ts';
import { type SessionRecord, sessionExpiresAt } from '../../shared/session.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { isConditionFailure } from './lease.ts';

export async function createSession(record: SessionRecord): Promise<void> {
  await documents.send(
    new PutCommand({
      TableName: config.TABLE_NAME,
      Item: sessionItem(record),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

/** Strongly consistent, so that a session signed out of is refused at once by every function. */
export async function readSession(hash: string): Promise<SessionRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: config.TABLE_NAME, Key: sessionKey(hash), ConsistentRead: true }),
  );
  return Item as SessionItem | undefined;
}

/** Records a session's use, unless another request did since (or it was signed out of). */
export async function touchSession(record: SessionRecord, now: Date): Promise<void> {
  const activeAt = now.toISOString();
  await documents
    .send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: sessionKey(record.hash),
        UpdateExpression: 'SET active_at = :now, expires_at = :expires',
        ConditionExpression: 'attribute_exists(pk) AND active_at < :now',
        ExpressionAttributeValues: {
          ':now': activeAt,
          ':expires': sessionExpiresAt({ created_at: record.created_at, active_at: activeAt }),
        },
      }),
    )
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
}

export async function deleteSession(hash: string): Promise<void> {
  await documents.send(new DeleteCommand({ TableName: config.TABLE_NAME, Key: sessionKey(hash) }));
}

import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type DeliveryItem, deliveryKey } from '../../shared/entities/delivery.ts';
import { functions } from '../../shared/resources.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { isConditionFailure } from './lease.ts';

const tableName = config.TABLE_NAME;

/** Twice the sender's timeout: a claim lapses only once its holder cannot be sending any more. */
const claimSeconds = 2 * functions['process-work'].timeoutSeconds;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

export interface ClaimOptions {
  now: Date;
  /** How long the record of a send is kept. */
  keepSeconds: number;
  /** Claims what was already sent too (a summary sent again on request); never a live claim. */
  again?: boolean;
}

/**
 * Claims the sending of `what`: true when this delivery is to send it, false when it was sent already
 * or another delivery is sending it now. One conditional write, about 1 WRU.
 */
export async function claimDelivery(
  org: string,
  what: string,
  owner: string,
  { now, keepSeconds, again = false }: ClaimOptions,
): Promise<boolean> {
  const item: DeliveryItem = {
    ...deliveryKey(org, what),
    state: 'sending',
    owner,
    claimed_until: epochSeconds(now) + claimSeconds,
    expires_at: epochSeconds(now) + keepSeconds,
  };
  try {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ConditionExpression: again
          ? 'attribute_not_exists(pk) OR #state = :sent OR claimed_until < :now'
          : // TTL deletes expired records within days, not at once: an expired one counts as gone.
            'attribute_not_exists(pk) OR expires_at < :now OR (#state = :sending AND claimed_until < :now)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: again
          ? { ':sent': 'sent', ':now': epochSeconds(now) }
          : { ':sending': 'sending', ':now': epochSeconds(now) },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Records that a claimed send went out. */
export async function confirmDelivery(org: string, what: string, owner: string, now: Date): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName,
      Key: deliveryKey(org, what),
      UpdateExpression: 'SET #state = :sent, sent_at = :at REMOVE claimed_until',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
      ExpressionAttributeValues: { ':sent': 'sent', ':at': now.toISOString(), ':owner': owner },
    }),
  );
}

/** Gives a claim up after a failed send, so that the retry sends it at once rather than when it lapses. */
export async function releaseDelivery(org: string, what: string, owner: string): Promise<void> {
  try {
    await documents.send(
      new DeleteCommand({
        TableName: tableName,
        Key: deliveryKey(org, what),
        ConditionExpression: '#owner = :owner AND #state = :sending',
        ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner, ':sending': 'sending' },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import { functions } from '../../shared/resources.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';

/**
 * A lease on an item, taken with a conditional write, so that work on what the item stands for (an
 * instance's dependency items, an app-environment's findings) never interleaves. DynamoDB transactions
 * would do this too, but the local DynamoDB has none, and one conditional write costs less. The lease
 * outlasts the longest invocation of a function that takes one (the work consumer's), so that it never
 * expires under a holder still at work; a holder that dies leaves a lease that simply expires, well
 * within the work queue's visibility timeout, after which its message comes back.
 */
const leaseMs = (functions['process-work'].timeoutSeconds + 30) * 1000;

/** Holders in the same batch finish quickly; after that a delivery is handed back to SQS to retry. */
const attempts = 6;

export class LeaseHeldError extends Error {
  constructor(what: string) {
    super(`${what} is being written by another delivery; retrying later`);
    this.name = 'LeaseHeldError';
  }
}

export const isConditionFailure = (error: unknown): boolean =>
  (error as Error).name === 'ConditionalCheckFailedException';

export interface LeaseOptions {
  /** Names the leased thing in errors. */
  what: string;
  /** Attributes set as the lease is taken (an instance head records its names, being created here). */
  set?: Record<string, unknown>;
  /** A further condition on the item, such as "last seen when it was read"; such a lease is not waited for. */
  condition?: { expression: string; values: Record<string, unknown> };
  /** Attributes to remove as the lease is taken. */
  remove?: string[];
  /** An attribute the item must already have: the lease never creates the item. */
  existing?: string;
  /**
   * Asked while another holder has the lease: true when that holder's work makes this one's needless,
   * and the lease is then not taken.
   */
  covered?: (holder: { lease_acquired_at?: number }) => boolean;
}

async function tryAcquire(
  key: TableKey,
  owner: string,
  options: LeaseOptions,
): Promise<Record<string, unknown>> {
  const now = Date.now();
  const free = `(attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner)${
    options.existing ? ` AND attribute_exists(${options.existing})` : ''
  }`;
  const set = Object.keys(options.set ?? {});
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: key,
        UpdateExpression: [
          `SET ${['lease_owner = :owner', 'lease_until = :until', 'lease_acquired_at = :now', ...set.map((name) => `#${name} = :set_${name}`)].join(', ')}`,
          options.remove?.length ? `REMOVE ${options.remove.join(', ')}` : '',
        ].join(' '),
        ConditionExpression: options.condition ? `${free} AND (${options.condition.expression})` : free,
        ExpressionAttributeNames: set.length
          ? Object.fromEntries(set.map((name) => [`#${name}`, name]))
          : undefined,
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': now + leaseMs,
          ':now': now,
          ...Object.fromEntries(set.map((name) => [`:set_${name}`, options.set![name]])),
          ...options.condition?.values,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ?? {};
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(options.what);
    throw error;
  }
}

/**
 * Takes the lease, waiting briefly for a holder to finish; LeaseHeldError when it does not. Undefined
 * when `covered` says the holder's work makes this one's needless.
 */
export async function acquireLease<T>(
  key: TableKey,
  owner: string,
  options: LeaseOptions,
): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await tryAcquire(key, owner, options)) as T;
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || options.condition) throw error;
      if (options.covered) {
        const { Item } = await documents.send(
          new GetCommand({ TableName: config.TABLE_NAME, Key: key, ConsistentRead: true }),
        );
        if (Item && options.covered(Item)) return undefined;
      }
      if (attempt === attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

export async function releaseLease(key: TableKey, owner: string): Promise<void> {
  await documents
    .send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: key,
        UpdateExpression: 'REMOVE lease_owner, lease_until, lease_acquired_at',
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

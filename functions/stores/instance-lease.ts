import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';

/**
 * A lease on an instance's head, taken with a conditional write, so that changes to one instance's
 * dependency items (a changed inventory, a retirement) never interleave. DynamoDB transactions would
 * do this too, but the local DynamoDB has none, and one conditional write costs less. The lease
 * outlasts the functions' timeouts: a holder that dies leaves a lease that simply expires.
 */
const leaseMs = 120_000;

/** Holders in the same batch finish quickly; after that a delivery is handed back to SQS to retry. */
const attempts = 5;

export interface InstanceRef {
  org: string;
  app: string;
  environment: string;
  instance: string;
}

export class LeaseHeldError extends Error {
  constructor(instance: string) {
    super(`instance ${instance} is being written by another delivery; retrying later`);
    this.name = 'LeaseHeldError';
  }
}

export const isConditionFailure = (error: unknown): boolean =>
  (error as Error).name === 'ConditionalCheckFailedException';

export interface LeaseOptions {
  /** A further condition on the head, such as "last seen when it was read". */
  condition?: { expression: string; values: Record<string, unknown> };
  /** Attributes to remove as the lease is taken. */
  remove?: string[];
}

async function tryAcquire(ref: InstanceRef, owner: string, options: LeaseOptions): Promise<InstanceItem> {
  const now = Date.now();
  const free = '(attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner)';
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: instanceKey(ref.org, ref.app, ref.environment, ref.instance),
        UpdateExpression: [
          'SET lease_owner = :owner, lease_until = :until, app = :app, environment = :environment, instance = :instance',
          options.remove?.length ? `REMOVE ${options.remove.join(', ')}` : '',
        ].join(' '),
        ConditionExpression: options.condition ? `${free} AND (${options.condition.expression})` : free,
        ExpressionAttributeValues: {
          ':owner': owner,
          ':until': now + leaseMs,
          ':now': now,
          ':app': ref.app,
          ':environment': ref.environment,
          ':instance': ref.instance,
          ...options.condition?.values,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes as InstanceItem;
  } catch (error) {
    if (isConditionFailure(error)) throw new LeaseHeldError(ref.instance);
    throw error;
  }
}

/** Takes the lease, waiting briefly for a holder to finish; LeaseHeldError when it does not. */
export async function acquireLease(
  ref: InstanceRef,
  owner: string,
  options: LeaseOptions = {},
): Promise<InstanceItem> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryAcquire(ref, owner, options);
    } catch (error) {
      if (!(error instanceof LeaseHeldError) || attempt === attempts || options.condition) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}

export async function releaseLease(ref: InstanceRef, owner: string): Promise<void> {
  await documents
    .send(
      new UpdateCommand({
        TableName: config.TABLE_NAME,
        Key: instanceKey(ref.org, ref.app, ref.environment, ref.instance),
        UpdateExpression: 'REMOVE lease_owner, lease_until',
        ConditionExpression: 'lease_owner = :owner',
        ExpressionAttributeValues: { ':owner': owner },
      }),
    )
    .catch((error) => {
      if (!isConditionFailure(error)) throw error;
    });
}

import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { dependencyKey } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchWrite } from './batch-write.ts';
import { readInstanceDependencies } from './inventory-store.ts';
import { acquireLease, isConditionFailure, LeaseHeldError } from './lease.ts';

/** The instance is still as silent as when it was read. A head without last_seen never finished its first write. */
const silentSince = (head: InstanceItem) =>
  head.last_seen
    ? { expression: 'last_seen = :seen', values: { ':seen': head.last_seen } }
    : { expression: 'attribute_not_exists(last_seen)', values: {} };

/**
 * Deletes an instance that has been silent (or stopped) past its retention: its dependency items,
 * then its head. It takes the instance's lease only if the instance is still as silent as when it was
 * read, and drops the inventory digest at once, so that an instance that comes back mid-way rewrites
 * its inventory in full rather than trusting items that are being deleted. False when it came back.
 */
export async function deleteSilentInstance(org: string, head: InstanceItem, owner: string): Promise<boolean> {
  const key = instanceKey(org, head.app, head.environment, head.instance);
  const silent = silentSince(head);
  try {
    await acquireLease(key, owner, {
      what: `instance ${head.instance}`,
      condition: silent,
      remove: ['inventory_hash'],
    });
  } catch (error) {
    if (error instanceof LeaseHeldError) return false;
    throw error;
  }
  const dependencies = await readInstanceDependencies(org, head.app, head.environment, head.instance);
  await batchWrite(
    config.TABLE_NAME,
    dependencies.map(({ name }) => ({
      DeleteRequest: { Key: dependencyKey(org, head.app, head.environment, head.instance, name) },
    })),
  );
  try {
    await documents.send(
      new DeleteCommand({
        TableName: config.TABLE_NAME,
        Key: key,
        ConditionExpression: `lease_owner = :owner AND ${silent.expression}`,
        ExpressionAttributeValues: { ':owner': owner, ...silent.values },
      }),
    );
    return true;
  } catch (error) {
    // It reported again meanwhile: its next heartbeat rewrites the inventory, the digest being gone.
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

import { randomUUID } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { dependencyKey } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { instanceStatus } from '../../shared/instance-status.ts';
import { config, lifecycle } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { evaluateAppEnvironment } from '../use-cases/evaluate-app-environment.ts';
import { batchWrite } from './batch-write.ts';
import { readInstanceDependencies } from './inventory-store.ts';
import { acquireLease, isConditionFailure, LeaseHeldError } from './lease.ts';
import { readOrganizationItems } from './organization-store.ts';

/**
 * Removes an instance that has been silent past the retention: its dependency items, then its head.
 * It takes the instance's lease only if the instance is still as silent as when it was read, and drops
 * the inventory digest at once, so that an instance that comes back mid-way rewrites its inventory in
 * full rather than trusting items that are being deleted. Returns false when the instance came back.
 */
export async function retireInstance(org: string, head: InstanceItem): Promise<boolean> {
  const owner = `retire-${randomUUID()}`;
  // A head without last_seen is one whose first write never finished.
  const silent = head.last_seen
    ? { expression: 'last_seen = :seen', values: { ':seen': head.last_seen } }
    : { expression: 'attribute_not_exists(last_seen)', values: {} };
  try {
    await acquireLease(instanceKey(org, head.app, head.environment, head.instance), owner, {
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
        Key: instanceKey(org, head.app, head.environment, head.instance),
        ConditionExpression: `lease_owner = :owner AND ${silent.expression}`,
        ExpressionAttributeValues: { ':owner': owner, ...silent.values },
      }),
    );
    // Its findings no longer include it; those it alone was exposed to are fixed.
    await evaluateAppEnvironment(org, head.app, head.environment);
    return true;
  } catch (error) {
    // It reported again meanwhile: its next heartbeat rewrites the inventory, the digest being gone.
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Retires every instance of the organization that has been silent past the retention. */
export async function retireSilentInstances(org: string, now: Date): Promise<number> {
  const { instances } = await readOrganizationItems(org);
  let retired = 0;
  for (const head of instances) {
    if (instanceStatus(head, now, lifecycle) === 'retired' && (await retireInstance(org, head))) retired++;
  }
  return retired;
}

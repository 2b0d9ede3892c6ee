import { randomUUID } from 'node:crypto';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import type { EvaluationRequest } from '../../shared/evaluation-request.ts';
import { instanceStatus } from '../../shared/instance-status.ts';
import { lifecycle } from '../lib/config.ts';
import { enqueueAll, queueUrl } from '../lib/queue.ts';
import { readOrganizationItems } from '../stores/organization-store.ts';
import { deleteSilentInstance } from '../stores/retirement-store.ts';
import { evaluateAppEnvironment } from './evaluate-app-environment.ts';

/**
 * Removes an instance from the inventory. One that went silent may still count in its findings (as
 * stale): they are evaluated again without it, and those it alone was exposed to are fixed. A stopped
 * one left its findings when it stopped. False when the instance came back meanwhile.
 */
export async function retireInstance(org: string, head: InstanceItem): Promise<boolean> {
  if (!(await deleteSilentInstance(org, head, `retire-${randomUUID()}`))) return false;
  if (head.stopped_at === undefined) await evaluateAppEnvironment(org, head.app, head.environment);
  return true;
}

/**
 * Retires every instance of the organization that has been silent, or stopped, past its retention,
 * and asks for the evaluation of every app-environment whose usage rows were never written (those
 * from before lookups read them), so that lookups find them.
 */
export async function retireSilentInstances(org: string, now: Date): Promise<number> {
  const { instances, appEnvironments } = await readOrganizationItems(org);
  let retired = 0;
  for (const head of instances) {
    if (instanceStatus(head, now, lifecycle) === 'retired' && (await retireInstance(org, head))) retired++;
  }
  const unindexed = appEnvironments.filter((appEnvironment) => !appEnvironment.usage_indexed);
  if (unindexed.length > 0) {
    await enqueueAll(
      queueUrl('evaluations'),
      unindexed.map(({ app, environment }) => ({ org, app, environment }) satisfies EvaluationRequest),
    );
  }
  return retired;
}

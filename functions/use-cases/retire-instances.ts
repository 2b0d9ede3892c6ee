import { randomUUID } from 'node:crypto';
import type { InstanceItem } from '../../shared/entities/instance.ts';
import type { EvaluationRequest } from '../../shared/evaluation-request.ts';
import { instanceStatus } from '../../shared/instance-status.ts';
import { lifecycle } from '../lib/config.ts';
import { enqueueAllWork } from '../lib/queue.ts';
import { readOrganizationItems } from '../stores/organization-store.ts';
import { deleteSilentInstance } from '../stores/retirement-store.ts';
import { evaluateAppEnvironment } from './evaluate-app-environment.ts';
import { refreshSummary, summarizeAppEnvironment } from './summarize-app-environment.ts';

/**
 * Removes an instance from the inventory. One that went silent may still count in its findings (as
 * stale): they are evaluated again without it, and those it alone was exposed to are fixed. A stopped
 * one left its findings when it stopped. False when the instance came back meanwhile.
 */
async function retireInstance(org: string, head: InstanceItem): Promise<boolean> {
  if (!(await deleteSilentInstance(org, head, `retire-${randomUUID()}`))) return false;
  if (head.stopped_at === undefined) await evaluateAppEnvironment(org, head.app, head.environment);
  return true;
}

/**
 * The hourly sweep of one organization. It retires every instance that has been silent, or stopped,
 * past its retention; asks for the evaluation of every app-environment whose usage rows were never
 * written (those from before lookups read them); and writes each app-environment's row of the apps
 * list where time alone moved it (an instance fell silent, a finding is no longer confirmed) or its
 * last_seen fell a day behind. One Query of the organization's partition, whatever it finds.
 */
export async function retireSilentInstances(org: string, now: Date): Promise<number> {
  const { instances, appEnvironments, findings, latestScans } = await readOrganizationItems(org);
  // What was read before a retirement is out of date for its app-environment: one whose instance was
  // evaluated on retiring has its row written by that evaluation; one whose stopped instance retired
  // (no evaluation) has it written again from fresh reads.
  const evaluated = new Set<string>();
  const stoppedRetired = new Set<string>();
  let retired = 0;
  for (const head of instances) {
    if (instanceStatus(head, now, lifecycle) === 'retired' && (await retireInstance(org, head))) {
      (head.stopped_at === undefined ? evaluated : stoppedRetired).add(`${head.app}#${head.environment}`);
      retired++;
    }
  }
  const unindexed = appEnvironments.filter((appEnvironment) => !appEnvironment.usage_indexed);
  if (unindexed.length > 0) {
    await enqueueAllWork(
      'evaluation',
      unindexed.map(({ app, environment }) => ({ org, app, environment }) satisfies EvaluationRequest),
    );
  }
  // Grouped once: an organization of 100,000 app-environments has twice as many heads.
  const headsOf = Map.groupBy(instances, (head) => `${head.app}#${head.environment}`);
  const findingsOf = Map.groupBy(findings, (finding) => `${finding.app}#${finding.environment}`);
  const scansOf = Map.groupBy(latestScans, (scan) => scan.app);
  for (const appEnvironment of appEnvironments) {
    const { app, environment } = appEnvironment;
    const key = `${app}#${environment}`;
    if (stoppedRetired.has(key)) await summarizeAppEnvironment(org, app, environment);
    else if (!evaluated.has(key)) {
      await refreshSummary(
        org,
        appEnvironment,
        headsOf.get(key) ?? [],
        findingsOf.get(key) ?? [],
        scansOf.get(app) ?? [],
        now,
      );
    }
  }
  return retired;
}

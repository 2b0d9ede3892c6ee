import { expect } from 'vitest';
import { handler as evaluateAppEnvironments } from '../../functions/evaluate-app-environments.ts';
import { handler as matchAdvisories } from '../../functions/match-advisories.ts';
import { context, sqsEvent } from './events.ts';
import { receiveAll } from './local-services.ts';

/**
 * Re-matches the vulnerabilities that these advisory messages name, as the match-advisories consumer
 * does, and then runs the evaluations it fanned out, as the evaluations consumer does. The number of
 * evaluations it asked for.
 */
export async function rematch(messages: unknown[]): Promise<number> {
  expect((await matchAdvisories(sqsEvent(messages), context)).batchItemFailures).toEqual([]);
  const requests = await receiveAll('evaluations');
  if (requests.length > 0) {
    expect((await evaluateAppEnvironments(sqsEvent(requests), context)).batchItemFailures).toEqual([]);
  }
  return requests.length;
}

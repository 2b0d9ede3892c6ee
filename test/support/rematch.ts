import { expect } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { context, workEvent } from './events.ts';
import { receiveWork } from './local-services.ts';

/**
 * Re-matches the vulnerabilities that these advisory messages name, and then runs the evaluations
 * it fanned out, as the work consumer does with both kinds of message. The number of
 * evaluations it asked for.
 */
export async function rematch(messages: unknown[]): Promise<number> {
  expect((await processWork(workEvent('advisory', messages), context)).batchItemFailures).toEqual([]);
  const requests = await receiveWork('evaluation');
  if (requests.length > 0) {
    expect((await processWork(workEvent('evaluation', requests), context)).batchItemFailures).toEqual([]);
  }
  return requests.length;
}

import { describe, expect, it, vi } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { readAppEnvironmentUsage } from '../../functions/stores/usage-store.ts';
import { evaluateAppEnvironment } from '../../functions/use-cases/evaluate-app-environment.ts';
import type { HeartbeatMessage } from '../../shared/heartbeat.ts';
import { context, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';

vi.mock('../../functions/use-cases/evaluate-app-environment.ts', async (importOriginal) => {
  const original =
    await importOriginal<typeof import('../../functions/use-cases/evaluate-app-environment.ts')>();
  return { ...original, evaluateAppEnvironment: vi.fn(original.evaluateAppEnvironment) };
});

async function deliver(messages: HeartbeatMessage[]) {
  expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
}

/** A deploy: many instances of one app-environment report at once, with the versions it already runs. */
describe('a deploy', () => {
  it('evaluates its app-environment once per batch and writes each usage row once', async () => {
    const org = uniqueOrg();
    const instances = (prefix: string, secondsAgo: number, stopping = false) =>
      Array.from({ length: 20 }, (_, i) =>
        heartbeatMessage(
          org,
          { instance: `${prefix}-${i}`, sent_at: recently(secondsAgo), stopping },
          recently(secondsAgo - 1),
        ),
      );
    vi.mocked(evaluateAppEnvironment).mockClear();
    await deliver(instances('blue', 60));
    expect(vi.mocked(evaluateAppEnvironment)).toHaveBeenCalledTimes(1);
    const rows = await readAppEnvironmentUsage(org, 'billing', 'prod');
    expect(rows.find((row) => row.package === 'plug')).toMatchObject({ instance_count: 20, drift: false });

    // The rolling replacement: twenty new instances start, the twenty old ones say goodbye.
    vi.mocked(evaluateAppEnvironment).mockClear();
    await deliver([...instances('green', 20), ...instances('blue', 20, true)]);
    expect(vi.mocked(evaluateAppEnvironment)).toHaveBeenCalledTimes(1);
    const after = await readAppEnvironmentUsage(org, 'billing', 'prod');
    expect(after.find((row) => row.package === 'plug')).toMatchObject({
      instance_count: 20,
      instances: ['green-0', 'green-1', 'green-10'],
    });
  });
});

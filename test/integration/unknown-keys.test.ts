import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { context, httpEvent } from '../support/events.ts';

// The longest cache, set before the functions load, so that no remembered key expires during the test.
process.env.KEY_CACHE_SECONDS = '60';
const { handler: apps } = await import('../../functions/apps.ts');
const { capacityMeter } = await import('../../functions/lib/capacity-meter.ts');

/** The request units that asking for the apps list with each key costs; every answer must be 401. */
async function unitsSpent(keys: string[]): Promise<{ read_units: number; write_units: number }> {
  const before = capacityMeter.snapshot();
  for (const key of keys) {
    expect((await apps(httpEvent({ path: '/v1/apps', key }), context)).statusCode).toBe(401);
  }
  const after = capacityMeter.snapshot();
  return {
    read_units: after.read_units - before.read_units,
    write_units: after.write_units - before.write_units,
  };
}

describe('a flood of unknown keys', () => {
  it('costs one eventually consistent read per invented key, nothing for its repeat or a malformed one', async () => {
    const invented = Array.from(
      { length: 40 },
      (_, index) => `mk_${String(index).padStart(8, '0')}_${randomBytes(32).toString('base64url')}`,
    );
    expect(await unitsSpent(invented)).toEqual({ read_units: invented.length * 0.5, write_units: 0 });
    expect(await unitsSpent(invented)).toEqual({ read_units: 0, write_units: 0 });
    expect(await unitsSpent(['mk_short', `Bearer ${invented[0]}`, 'x'.repeat(10_000)])).toEqual({
      read_units: 0,
      write_units: 0,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/ingest-heartbeat.ts';
import { handler as processHeartbeats } from '../../functions/process-heartbeats.ts';
import { readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { maxBodyBytes } from '../../shared/resources.ts';
import { bodyOf, context, httpEvent, sqsEvent } from '../support/events.ts';
import { heartbeat, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveAll } from '../support/local-services.ts';

const post = (key: string | undefined, body: unknown, extra: Partial<Parameters<typeof httpEvent>[0]> = {}) =>
  handler(httpEvent({ method: 'POST', path: '/v1/heartbeat', key, body, ...extra }), context);

describe('POST /v1/heartbeat', () => {
  it('answers 202 with an id once the heartbeat is on the queue, for the key’s organization', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ingest');
    const result = await post(key, { ...heartbeat(), unknown_field: 'dropped' });
    expect(result.statusCode).toBe(202);
    const { id } = bodyOf(result);
    const messages = (await receiveAll('heartbeats')) as { id: string; org: string; heartbeat: object }[];
    const message = messages.find((m) => m.id === id);
    expect(message?.org).toBe(org);
    expect(message?.heartbeat).toEqual(heartbeat());
  });

  it('sends a large heartbeat through the payload bucket, and the consumer reads it back', async () => {
    const org = uniqueOrg();
    const deps = Array.from({ length: 4000 }, (_, i) => ({
      name: `package_with_a_name_long_enough_to_make_the_message_large_${i}`,
      version: '1.0.0-rc.1+build.2026',
    }));
    const result = await post(await keyFor(org, 'ingest'), { ...heartbeat(), deps });
    expect(result.statusCode).toBe(202);
    const messages = (await receiveAll('heartbeats')) as { claim_check?: { key: string } }[];
    const claimCheck = messages.find((m) => m.claim_check?.key.endsWith(`${bodyOf(result).id}.json`));
    expect(claimCheck).toBeDefined();
    const response = await processHeartbeats(sqsEvent([claimCheck]), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(await readInstanceDependencies(org, 'billing', 'prod', 'billing@web-1')).toHaveLength(4003);
  });

  it('answers 401 without a key or with an unknown one, and 403 for another scope', async () => {
    const org = uniqueOrg();
    expect((await post(undefined, heartbeat())).statusCode).toBe(401);
    expect(
      (await post('mk_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', heartbeat())).statusCode,
    ).toBe(401);
    const forbidden = await post(await keyFor(org, 'read'), heartbeat());
    expect(forbidden.statusCode).toBe(403);
    expect(bodyOf(forbidden).error.code).toBe('forbidden');
  });

  it('answers 413 for a body over the limit, 415 for a body that is not JSON', async () => {
    const key = await keyFor(uniqueOrg(), 'ingest');
    const tooLarge = await post(key, undefined, { rawBody: 'x'.repeat(maxBodyBytes + 1) });
    expect(tooLarge.statusCode).toBe(413);
    expect(
      (await post(key, undefined, { rawBody: 'app=billing', contentType: 'text/plain' })).statusCode,
    ).toBe(415);
  });

  it.each([
    ['malformed JSON', '{"app":', 'body', 'is not valid JSON'],
    ['an empty body', '', 'body', 'is required'],
    ['a missing field', JSON.stringify({ ...heartbeat(), deps: undefined }), 'deps', 'is required'],
    [
      'a bad version',
      JSON.stringify(heartbeat({ deps: [{ name: 'plug', version: '1.0.0 ' }] })),
      'deps[0].version',
      '',
    ],
    [
      'a huge version number',
      JSON.stringify(heartbeat({ deps: [{ name: 'plug', version: `1.${'9'.repeat(15)}.0` }] })),
      'deps[0].version',
      '14 digits',
    ],
    ['a wrong type', JSON.stringify({ ...heartbeat(), deps: 'plug' }), 'deps', ''],
    ['a JSON array', '[]', 'body', ''],
  ])('answers 400 naming the field for %s', async (_, rawBody, field, reason) => {
    const key = await keyFor(uniqueOrg(), 'ingest');
    const result = await post(key, undefined, { rawBody });
    expect(result.statusCode).toBe(400);
    const { error } = bodyOf(result);
    expect(error.code).toBe('invalid_request');
    expect(error.field).toBe(field);
    expect(error.reason).toContain(reason);
  });
});

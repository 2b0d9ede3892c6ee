import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/ingest-heartbeat.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import { readHeadState, readInstanceDependencies } from '../../functions/stores/inventory-store.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { maxBodyBytes } from '../../shared/resources.ts';
import { bodyOf, context, httpEvent, workEvent } from '../support/events.ts';
import { heartbeat, heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveWork } from '../support/local-services.ts';

const post = (key: string | undefined, body: unknown, extra: Partial<Parameters<typeof httpEvent>[0]> = {}) =>
  handler(httpEvent({ method: 'POST', path: '/v1/heartbeat', key, body, ...extra }), context);

describe('POST /v1/heartbeat', () => {
  it('answers 202 with an id once the heartbeat is on the queue, for the key’s organization', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ingest');
    const result = await post(key, { ...heartbeat(), unknown_field: 'dropped' });
    expect(result.statusCode).toBe(202);
    const { id } = bodyOf(result);
    const messages = (await receiveWork('heartbeat')) as { id: string; org: string; heartbeat: object }[];
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
    const messages = (await receiveWork('heartbeat')) as { claim_check?: { key: string } }[];
    const claimCheck = messages.find((m) => m.claim_check?.key.endsWith(`${bodyOf(result).id}.json`));
    expect(claimCheck).toBeDefined();
    const response = await processWork(workEvent('heartbeat', [claimCheck]), context);
    expect(response.batchItemFailures).toEqual([]);
    expect(await readInstanceDependencies(org, 'billing', 'prod', 'billing@web-1')).toHaveLength(4003);
  });

  it('applies a heartbeat that changes nothing itself; only changes travel through the queue', async () => {
    const org = uniqueOrg();
    const key = await keyFor(org, 'ingest');
    const head = () => readHeadState(instanceKey(org, 'billing', 'prod', 'billing@web-1'));
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const known = heartbeatMessage(org, { sent_at: minutesAgo(60) }, minutesAgo(60));
    expect((await processWork(workEvent('heartbeat', [known]), context)).batchItemFailures).toEqual([]);

    // Seen an hour ago, the same inventory: last_seen moves here, and nothing is queued.
    const touchedAt = minutesAgo(0);
    expect((await post(key, heartbeat({ sent_at: touchedAt }))).statusCode).toBe(202);
    expect(await head()).toMatchObject({ sent_at: touchedAt });
    expect(Date.parse((await head())!.last_seen!)).toBeGreaterThan(Date.parse(minutesAgo(1)));
    // Again within the last-seen interval: nothing is written, nothing queued.
    expect((await post(key, heartbeat({ sent_at: new Date().toISOString() }))).statusCode).toBe(202);
    expect(await head()).toMatchObject({ sent_at: touchedAt });
    expect(await receiveWork('heartbeat')).toEqual([]);

    // A changed inventory, and a stop, go through the queue.
    const changed = await post(key, heartbeat({ sent_at: new Date().toISOString(), deps: [] }));
    const stopping = await post(key, heartbeat({ sent_at: new Date().toISOString(), stopping: true }));
    const queued = (await receiveWork('heartbeat')) as { id: string }[];
    expect(queued.map(({ id }) => id).sort()).toEqual([bodyOf(changed).id, bodyOf(stopping).id].sort());
  });

  it('queues the heartbeat of an instance back from silence, whose app-environment is counted again', async () => {
    const org = uniqueOrg();
    const hoursAgo = new Date(Date.now() - 4 * 3600_000).toISOString();
    const silent = heartbeatMessage(org, { sent_at: hoursAgo }, hoursAgo);
    expect((await processWork(workEvent('heartbeat', [silent]), context)).batchItemFailures).toEqual([]);
    const result = await post(await keyFor(org, 'ingest'), heartbeat({ sent_at: new Date().toISOString() }));
    const queued = (await receiveWork('heartbeat')) as { id: string }[];
    expect(queued.map(({ id }) => id)).toEqual([bodyOf(result).id]);
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

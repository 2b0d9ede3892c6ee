import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { provisionTable } from '../../infra/local/provision.ts';
import { generateApiKey } from '../../shared/api-keys.ts';
import { apiKeyItem } from '../../shared/entities/api-key.ts';
import { organizationItem } from '../../shared/entities/organization.ts';
import { table } from '../../shared/resources.ts';
import { cliFor } from '../support/cli.ts';
import { context, httpEvent } from '../support/events.ts';
import { uniqueOrg } from '../support/fixtures.ts';

// Key records are read afresh, so that the key refused before the copy is known after it.
process.env.KEY_CACHE_SECONDS = '0';
const { handler: apps } = await import('../../functions/apps.ts');
const { documents } = await import('../../functions/lib/dynamodb.ts');
const { copyTable } = await import('../../functions/stores/table-copy.ts');

const servers = inject('servers');
const operator = cliFor(servers);
afterAll(() => operator.remove());
const cli = operator.run;

describe('copying a point-in-time restore back into the table', () => {
  it('brings back what was lost, leaves expired items out, and can run again', async () => {
    // AWS restores into a new table; here a table of the same shape plays the restore.
    const restored = `muster-restore-${randomUUID().slice(0, 8)}`;
    await provisionTable(servers.dynamodb, restored);
    const org = uniqueOrg();
    const now = new Date();
    const { key, prefix, hash } = generateApiKey();
    const put = (item: object) => documents.send(new PutCommand({ TableName: restored, Item: item }));
    await put(organizationItem(org, now.toISOString()));
    await put(apiKeyItem({ hash, prefix, org, scope: 'read', created_at: now.toISOString() }));
    const expiredAt = Math.floor(now.getTime() / 1000) - 60;
    await put({ pk: `SESSION#${hash}`, sk: 'SESSION', [table.timeToLiveAttribute]: expiredAt });

    const listApps = () => apps(httpEvent({ path: '/v1/apps', key }), context);
    expect((await listApps()).statusCode).toBe(401);

    const restore = await cli('table', 'restore', '--from', restored);
    expect(restore).toMatchObject({ code: 0 });
    expect(restore.stdout).toContain(
      `Copied 2 items from ${restored} into ${table.name}; left out 1 expired item.`,
    );
    expect((await listApps()).statusCode).toBe(200);

    const pages: number[] = [];
    expect(await copyTable(restored, table.name, now, ({ copied }) => pages.push(copied))).toEqual({
      copied: 2,
      expired: 1,
    });
    expect(pages.at(-1)).toBe(2);
  });

  it('refuses to copy the table into itself, and asks for --from', async () => {
    expect(await cli('table', 'restore', '--from', table.name)).toMatchObject({ code: 2 });
    const missing = await cli('table', 'restore');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--from is required');
  });
});

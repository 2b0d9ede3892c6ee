import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { provisionTable } from '../../infra/local/provision.ts';
import { generateApiKey } from '../../shared/api-keys.ts';
import { apiKeyItem } from '../../shared/entities/api-key.ts';
import { organizationItem } from '../../shared/entities/organization.ts';
import { table } from '../../shared/resources.ts';
import { context, httpEvent } from '../support/events.ts';
import { uniqueOrg } from '../support/fixtures.ts';

// Key records are read afresh, so that the key refused before the copy is known after it.
process.env.KEY_CACHE_SECONDS = '0';
const { handler: apps } = await import('../../functions/apps.ts');
const { documents } = await import('../../functions/lib/dynamodb.ts');
const { copyTable } = await import('../../functions/stores/table-copy.ts');

describe('copying a point-in-time restore back into the table', () => {
  it('brings back what was lost, leaves expired items out, and can run again', async () => {
    // AWS restores into a new table; here a table of the same shape plays the restore.
    const restored = `muster-restore-${randomUUID().slice(0, 8)}`;
    await provisionTable(inject('servers').dynamodb, restored);
    const org = uniqueOrg();
    const now = new Date();
    const { key, prefix, hash } = generateApiKey();
    const put = (item: object) =>
      documents.send(new PutCommand({ TableName: restored, Item: item }));
    await put(organizationItem(org, now.toISOString()));
    await put(apiKeyItem({ hash, prefix, org, scope: 'read', created_at: now.toISOString() }));
    const expiredAt = Math.floor(now.getTime() / 1000) - 60;
    await put({ pk: `SESSION#${hash}`, sk: 'SESSION', [table.timeToLiveAttribute]: expiredAt });

    const listApps = () => apps(httpEvent({ path: '/v1/apps', key }), context);
    expect((await listApps()).statusCode).toBe(401);

    const pages: number[] = [];
    const copy = await copyTable(restored, table.name, now, ({ copied }) => pages.push(copied));
    expect(copy).toEqual({ copied: 2, expired: 1 });
    expect(pages.at(-1)).toBe(2);
    expect((await listApps()).statusCode).toBe(200);

    expect(await copyTable(restored, table.name, now)).toEqual({ copied: 2, expired: 1 });
  });
});

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { documents } from '../../functions/lib/dynamodb.ts';
import { handler as organizationRoute } from '../../functions/organization.ts';
import {
  bindGitHubOwners,
  GitHubOwnersTaken,
  readGitHubOwner,
} from '../../functions/stores/github-owner-store.ts';
import { readOrganization } from '../../functions/stores/organization-store.ts';
import { organizationKey } from '../../shared/entities/organization.ts';
import { routes, table } from '../../shared/resources.ts';
import { cliFor } from '../support/cli.ts';
import { bodyOf, context, httpEvent } from '../support/events.ts';
import { uniqueGitHubOwner, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, servers } from '../support/local-services.ts';

/**
 * GitHub accounts bound to organizations by the operator: one organization per account, refused rather
 * than taken from another, idempotent, and shown read-only to the organization's admins. The CLI runs
 * as a process against this run's table.
 */

const listed = async (org: string) => [...((await readOrganization(org))?.github_owners ?? [])].sort();

const operator = cliFor(servers);
afterAll(() => operator.remove());
const cli = operator.run;

describe('binding GitHub accounts', () => {
  it('binds the accounts given and unbinds the others, each on its item and on the organization', async () => {
    const org = uniqueOrg();
    await keyFor(org, 'admin');
    const [first, second, third] = [uniqueGitHubOwner(), uniqueGitHubOwner(), uniqueGitHubOwner()];
    expect(await bindGitHubOwners(org, [second, first, first])).toEqual({
      owners: [first, second].sort(),
      unbound: [],
    });
    expect(await readGitHubOwner(first)).toMatchObject({ owner: first, org, bound_at: expect.any(String) });
    expect(await listed(org)).toEqual([first, second].sort());

    expect(await bindGitHubOwners(org, [second, third])).toEqual({
      owners: [second, third].sort(),
      unbound: [first],
    });
    expect(await readGitHubOwner(first)).toBeUndefined();
    expect(await listed(org)).toEqual([second, third].sort());

    expect(await bindGitHubOwners(org, [])).toEqual({ owners: [], unbound: [second, third].sort() });
    expect(await readGitHubOwner(second)).toBeUndefined();
    expect(await listed(org)).toEqual([]);
  });

  it('binds the same accounts again without changing anything', async () => {
    const org = uniqueOrg();
    await keyFor(org, 'admin');
    const owner = uniqueGitHubOwner();
    await bindGitHubOwners(org, [owner], new Date('2026-12-01T10:00:00Z'));
    const bound = await readGitHubOwner(owner);
    expect(await bindGitHubOwners(org, [owner], new Date('2026-12-02T10:00:00Z'))).toEqual({
      owners: [owner],
      unbound: [],
    });
    expect(await readGitHubOwner(owner)).toEqual(bound);
    expect(bound?.bound_at).toBe('2026-12-01T10:00:00.000Z');
    expect(await listed(org)).toEqual([owner]);
  });

  it('refuses an account bound to another organization, and changes nothing for either', async () => {
    const [orgA, orgB] = [uniqueOrg('a'), uniqueOrg('b')];
    await keyFor(orgA, 'admin');
    await keyFor(orgB, 'admin');
    const [ofA, ofB] = [uniqueGitHubOwner('a-corp'), uniqueGitHubOwner('b-corp')];
    await bindGitHubOwners(orgA, [ofA]);
    await bindGitHubOwners(orgB, [ofB]);

    const refusal = await bindGitHubOwners(orgA, [ofB]).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(GitHubOwnersTaken);
    expect((refusal as GitHubOwnersTaken).taken).toEqual([{ owner: ofB, org: orgB }]);
    expect((refusal as Error).message).toBe(
      `the GitHub account ${ofB} is bound to organization ${orgB}; unbind it there first (orgs github --org ${orgB})`,
    );
    expect(await readGitHubOwner(ofB)).toMatchObject({ org: orgB });
    expect(await readGitHubOwner(ofA)).toMatchObject({ org: orgA });
    expect(await listed(orgA)).toEqual([ofA]);
    expect(await listed(orgB)).toEqual([ofB]);

    // Once B lets it go, A may bind it.
    await bindGitHubOwners(orgB, []);
    await bindGitHubOwners(orgA, [ofA, ofB]);
    expect(await readGitHubOwner(ofB)).toMatchObject({ org: orgA });
  });

  it('completes a run that stopped after listing an account and before binding it', async () => {
    const org = uniqueOrg();
    await keyFor(org, 'admin');
    const [halfBound, owner] = [uniqueGitHubOwner(), uniqueGitHubOwner()];
    await documents.send(
      new UpdateCommand({
        TableName: table.name,
        Key: organizationKey(org),
        UpdateExpression: 'ADD github_owners :owners',
        ExpressionAttributeValues: { ':owners': new Set([halfBound]) },
      }),
    );
    expect(await bindGitHubOwners(org, [owner])).toEqual({ owners: [owner], unbound: [halfBound] });
    expect(await listed(org)).toEqual([owner]);
    expect(await readGitHubOwner(halfBound)).toBeUndefined();
  });

  it('needs the organization to exist', async () => {
    const org = uniqueOrg('nowhere');
    await expect(bindGitHubOwners(org, [uniqueGitHubOwner()])).rejects.toThrow(
      `organization ${org} does not exist`,
    );
  });
});

describe('the organization’s settings', () => {
  const route = (method: string, path: string, key: string, body?: unknown) =>
    organizationRoute(httpEvent({ method, path, key, body }), context);

  it('show the bound accounts to its admins, who cannot change them through the API', async () => {
    const org = uniqueOrg();
    const admin = await keyFor(org, 'admin');
    const [first, second] = [uniqueGitHubOwner(), uniqueGitHubOwner()];
    await bindGitHubOwners(org, [second, first]);
    expect(bodyOf(await route('GET', '/v1/organization', admin)).github_owners).toEqual(
      [first, second].sort(),
    );
    const stranger = uniqueGitHubOwner();
    const answer = await route('PUT', '/v1/organization/alert-recipients', admin, {
      emails: ['oncall@acme.example'],
      github_owners: [stranger],
    });
    expect(bodyOf(answer).github_owners).toEqual([first, second].sort());
    expect(await readGitHubOwner(stranger)).toBeUndefined();
    expect(routes.filter((route) => /github/i.test(route.path))).toEqual([]);
  });
});

describe('orgs github', () => {
  it('binds accounts from the terminal, refuses what is wrong, and unbinds them with --remove', async () => {
    const [org, other] = [uniqueOrg(), uniqueOrg()];
    await keyFor(org, 'admin');
    await keyFor(other, 'admin');
    const owner = uniqueGitHubOwner('Acme-Corp');
    const tools = uniqueGitHubOwner('tools');

    const bound = await cli('orgs', 'github', '--org', org, '--owner', owner, '--owner', tools);
    expect(bound).toMatchObject({ code: 0, stderr: '' });
    expect(bound.stdout.trim()).toBe(
      `Pull-request feedback of ${org} goes to the repositories of: ${[owner.toLowerCase(), tools].sort().join(', ')}`,
    );
    expect(await readGitHubOwner(owner)).toMatchObject({ org, owner: owner.toLowerCase() });

    const invalid = await cli('orgs', 'github', '--org', org, '--owner', 'acme_corp');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('--owner: "acme_corp" is not a GitHub account name');
    expect((await cli('orgs', 'github', '--org', org)).code).toBe(2);
    expect((await cli('orgs', 'github', '--org', org, '--owner', tools, '--remove')).code).toBe(2);

    const taken = await cli('orgs', 'github', '--org', other, '--owner', owner.toUpperCase());
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(
      `the GitHub account ${owner.toLowerCase()} is bound to organization ${org}`,
    );
    expect(await readGitHubOwner(owner)).toMatchObject({ org });

    const removed = await cli('orgs', 'github', '--org', org, '--remove');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(
      `Pull-request feedback of ${org} goes to the repositories of: no GitHub account`,
    );
    expect(removed.stdout).toContain(`Unbound: ${[owner.toLowerCase(), tools].sort().join(', ')}`);
    expect(await readGitHubOwner(tools)).toBeUndefined();
  });
});

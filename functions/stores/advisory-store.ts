import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mergeInto } from '../../shared/advisories/merge.ts';
import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import {
  type AliasItem,
  advisoryPackagesKey,
  aliasKey,
  type PackageAdvisoryItem,
  packageAdvisoriesPartition,
  packageAdvisoryKey,
  type VulnerabilityItem,
  vulnerabilityKey,
} from '../../shared/entities/vulnerability.ts';
import type { PackageAdvisory } from '../../shared/findings.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchWrite } from './batch-write.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** The canonical id of any id of a vulnerability, or undefined when none is stored. */
async function canonicalId(id: string): Promise<string | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: aliasKey(id) }));
  return (Item as AliasItem | undefined)?.vulnerability;
}

export async function readVulnerability(idOrAlias: string): Promise<Vulnerability | undefined> {
  const id = await canonicalId(idOrAlias);
  if (!id) return undefined;
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: vulnerabilityKey(id) }));
  if (!Item) return undefined;
  const { pk: _pk, sk: _sk, ...vulnerability } = Item as VulnerabilityItem;
  return vulnerability;
}

export async function readVulnerabilities(ids: string[]): Promise<Vulnerability[]> {
  const vulnerabilities: Vulnerability[] = [];
  for (let start = 0; start < ids.length; start += 100) {
    const { Responses } = await documents.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: ids.slice(start, start + 100).map(vulnerabilityKey) } },
      }),
    );
    vulnerabilities.push(...((Responses?.[tableName] ?? []) as Vulnerability[]));
  }
  return vulnerabilities;
}

const sameVulnerability = (a: Vulnerability, b: Vulnerability) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Stores vulnerabilities, merged with what is stored under any of their ids, and returns the canonical
 * ids of those that changed. Importing the same data again changes nothing and returns none.
 */
export async function saveVulnerabilities(incoming: Vulnerability[]): Promise<string[]> {
  const changed: string[] = [];
  const packages = new Set(await readAdvisoryPackages(true));
  const packagesBefore = packages.size;
  for (const vulnerability of incoming) {
    const ids = [vulnerability.id, ...vulnerability.aliases];
    const storedIds = [
      ...new Set((await Promise.all(ids.map(canonicalId))).filter((id): id is string => !!id)),
    ];
    const stored = (await readVulnerabilities(storedIds)).map(
      ({ pk: _pk, sk: _sk, ...v }: Vulnerability & { pk?: string; sk?: string }) => v,
    );
    const merged = stored.reduce((result, previous) => mergeInto(previous, result), vulnerability);
    const same = stored.length === 1 && stored[0]!.id === merged.id && sameVulnerability(stored[0]!, merged);
    if (same) continue;
    const previousPackages = new Set(stored.flatMap((v) => v.affected.map((a) => `${v.id}#${a.package}`)));
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { ...vulnerabilityKey(merged.id), ...merged } }),
    );
    await batchWrite(tableName, [
      ...[merged.id, ...merged.aliases].map((id) => ({
        PutRequest: { Item: { ...aliasKey(id), vulnerability: merged.id } satisfies AliasItem },
      })),
      ...merged.affected.map((affected) => ({
        PutRequest: {
          Item: {
            ...packageAdvisoryKey(affected.package, merged.id),
            vulnerability: merged.id,
            severity: merged.severity,
            summary: merged.summary,
            aliases: merged.aliases,
            published: merged.published,
            affected,
          } satisfies PackageAdvisoryItem,
        },
      })),
      // A vulnerability stored before under another canonical id, or that no longer names a package.
      ...[...previousPackages]
        .filter((entry) => !merged.affected.some((a) => `${merged.id}#${a.package}` === entry))
        .map((entry) => {
          const [id, name] = entry.split('#') as [string, string];
          return { DeleteRequest: { Key: packageAdvisoryKey(name, id) } };
        }),
      ...stored
        .filter((v) => v.id !== merged.id)
        .map((v) => ({ DeleteRequest: { Key: vulnerabilityKey(v.id) } })),
    ]);
    for (const affected of merged.affected) packages.add(affected.package);
    changed.push(merged.id);
  }
  if (packages.size !== packagesBefore) {
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...advisoryPackagesKey, packages: [...packages].sort() },
      }),
    );
  }
  return changed;
}

/**
 * Advisory data changes daily at most; a container trusts what it read for five minutes. The advisory
 * consumer reads fresh, so a new advisory is matched as soon as it is stored.
 */
const cacheMs = 5 * 60_000;
let packagesCache: { names: string[]; until: number } | undefined;
const advisoriesCache = new Map<string, { advisories: PackageAdvisory[]; until: number }>();

export async function readAdvisoryPackages(fresh = false): Promise<string[]> {
  if (!fresh && packagesCache && packagesCache.until > Date.now()) return packagesCache.names;
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: advisoryPackagesKey }));
  const names = (Item?.packages as string[] | undefined) ?? [];
  packagesCache = { names, until: Date.now() + cacheMs };
  return names;
}

/** The advisories of each of these packages that any advisory affects; one Query per such package. */
export async function advisoriesForPackages(
  names: string[],
  fresh = false,
): Promise<Map<string, PackageAdvisory[]>> {
  const affected = new Set(await readAdvisoryPackages(fresh));
  const result = new Map<string, PackageAdvisory[]>();
  await Promise.all(
    [...new Set(names)]
      .filter((name) => affected.has(name))
      .map(async (name) => {
        const cached = advisoriesCache.get(name);
        if (!fresh && cached && cached.until > Date.now()) {
          result.set(name, cached.advisories);
          return;
        }
        const items = await queryAll<PackageAdvisoryItem>({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': packageAdvisoriesPartition(name) },
        });
        const advisories = items.map(({ vulnerability, aliases, summary, severity, affected: ranges }) => ({
          vulnerability,
          aliases,
          summary,
          severity,
          affected: ranges,
        }));
        advisoriesCache.set(name, { advisories, until: Date.now() + cacheMs });
        result.set(name, advisories);
      }),
  );
  return result;
}

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import {
  type AliasItem,
  advisoryPackagesKey,
  aliasKey,
  type PackageAdvisoryItem,
  packageAdvisoriesPartition,
  packageAdvisoryKey,
  sourceRecordKey,
  sourceRecordPrefix,
  type VulnerabilityItem,
  vulnerabilityKey,
} from '../../shared/entities/vulnerability.ts';
import type { PackageAdvisory } from '../../shared/findings.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchGet } from './batch-get.ts';
import { batchWrite } from './batch-write.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

/** JSON with object keys sorted: DynamoDB does not keep the order of a map's keys. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, inner) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

const withoutKeys = <T extends object>(item: T): Omit<T, 'pk' | 'sk'> => {
  const { pk: _pk, sk: _sk, ...rest } = item as T & TableKey;
  return rest;
};

/** The canonical id of any id of a vulnerability, or undefined when none is stored. */
async function canonicalId(id: string): Promise<string | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: aliasKey(id) }));
  return (Item as AliasItem | undefined)?.vulnerability;
}

export async function readVulnerability(idOrAlias: string): Promise<Vulnerability | undefined> {
  const id = await canonicalId(idOrAlias);
  if (!id) return undefined;
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: vulnerabilityKey(id) }));
  return Item ? withoutKeys(Item as VulnerabilityItem) : undefined;
}

export async function readVulnerabilities(ids: string[]): Promise<Vulnerability[]> {
  const items = await batchGet<VulnerabilityItem>(tableName, ids.map(vulnerabilityKey), (item) => item.pk);
  return [...items.values()].map(withoutKeys);
}

/** A parsed record's own id (its `id` is already the canonical id of the flaw). */
const recordId = (record: Vulnerability): string => record.sources[0] ?? record.id;

/** The source records stored for these canonical ids, by record id. */
async function readSourceRecords(ids: string[]): Promise<Map<string, Vulnerability>> {
  const records = new Map<string, Vulnerability>();
  for (const id of ids) {
    const items = await queryAll<VulnerabilityItem>({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': vulnerabilityKey(id).pk, ':prefix': sourceRecordPrefix },
    });
    for (const item of items) records.set(item.sk.slice(sourceRecordPrefix.length), withoutKeys(item));
  }
  return records;
}

/**
 * Stores source records (as parsed from advisory files) and the vulnerabilities they make up, and
 * returns the canonical ids of the vulnerabilities that changed. A record replaces the stored record
 * with the same id, so a corrected advisory can narrow what it affects; the vulnerability is merged
 * again from all of its records. Storing the same records again changes nothing and returns none.
 */
export async function saveVulnerabilities(records: Vulnerability[]): Promise<string[]> {
  const changed: string[] = [];
  const packages = new Set(await readAdvisoryPackages(true));
  const packagesBefore = packages.size;
  for (const incoming of mergeVulnerabilities(records)) {
    const ids = [incoming.id, ...incoming.aliases];
    const storedIds = [
      ...new Set((await Promise.all(ids.map(canonicalId))).filter((id): id is string => !!id)),
    ];
    const stored = await readVulnerabilities(storedIds);
    const sources = await readSourceRecords(storedIds);
    const incomingRecords = records.filter((record) => incoming.sources.includes(recordId(record)));
    for (const record of incomingRecords) sources.set(recordId(record), record);
    const [merged] = mergeVulnerabilities([...sources.values()]);
    if (!merged) continue;
    const unchanged =
      stored.length === 1 &&
      stored[0]!.id === merged.id &&
      canonicalJson(stored[0]) === canonicalJson(merged);
    if (unchanged) continue;
    const previousEntries = stored.flatMap((v) => v.affected.map((a) => ({ id: v.id, name: a.package })));
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { ...vulnerabilityKey(merged.id), ...merged } }),
    );
    await batchWrite(tableName, [
      ...[...sources.entries()].map(([recordId, record]) => ({
        PutRequest: { Item: { ...sourceRecordKey(merged.id, recordId), ...record } },
      })),
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
      // Package entries it no longer has, under this id or an earlier canonical one.
      ...previousEntries
        .filter(({ id, name }) => id !== merged.id || !merged.affected.some((a) => a.package === name))
        .map(({ id, name }) => ({ DeleteRequest: { Key: packageAdvisoryKey(name, id) } })),
      // A vulnerability that was stored under another canonical id moves, with its records.
      ...stored
        .filter((v) => v.id !== merged.id)
        .flatMap((v) => [
          { DeleteRequest: { Key: vulnerabilityKey(v.id) } },
          ...[...sources.keys()].map((recordId) => ({
            DeleteRequest: { Key: sourceRecordKey(v.id, recordId) },
          })),
        ]),
    ]);
    for (const affected of merged.affected) packages.add(affected.package);
    changed.push(merged.id);
  }
  if (packages.size !== packagesBefore) {
    const names = [...packages].sort();
    await documents.send(
      new PutCommand({ TableName: tableName, Item: { ...advisoryPackagesKey, packages: names } }),
    );
    packagesCache = { names, until: Date.now() + cacheMs };
  }
  // What this container cached of the packages that changed is stale now.
  if (changed.length > 0) advisoriesCache.clear();
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

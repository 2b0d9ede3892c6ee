import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mergeVulnerabilities, recordId, titleKey } from '../../shared/advisories/merge.ts';
import { canonicalJson } from '../../shared/advisories/revision.ts';
import type { AffectedPackage, Vulnerability } from '../../shared/advisories/vulnerability.ts';
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
import { type PackageAdvisory, packageAdvisory } from '../../shared/findings.ts';
import { config } from '../lib/config.ts';
import { documents } from '../lib/dynamodb.ts';
import { batchGet } from './batch-get.ts';
import { batchWrite } from './batch-write.ts';
import { isConditionFailure } from './lease.ts';
import { queryAll } from './query-all.ts';

const tableName = config.TABLE_NAME;

const withoutKeys = <T extends object>(item: T): Omit<T, 'pk' | 'sk'> => {
  const { pk: _pk, sk: _sk, ...rest } = item as T & TableKey;
  return rest;
};

/** The canonical id of any id of a vulnerability, in any case, or undefined when none is stored. */
export async function canonicalId(id: string): Promise<string | undefined> {
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: aliasKey(id) }));
  return (Item as AliasItem | undefined)?.vulnerability;
}

/** A vulnerability stored before code locations, conditions and merge reasons were kept reads with none. */
function currentVulnerability(item: VulnerabilityItem): Vulnerability {
  const vulnerability = withoutKeys(item);
  return {
    ...vulnerability,
    conditions: vulnerability.conditions ?? [],
    merges: vulnerability.merges ?? [],
    affected: vulnerability.affected.map(currentAffected),
  };
}

const currentAffected = (affected: AffectedPackage): AffectedPackage => ({
  ...affected,
  modules: affected.modules ?? [],
  files: affected.files ?? [],
});

export async function readVulnerability(idOrAlias: string): Promise<Vulnerability | undefined> {
  const id = await canonicalId(idOrAlias);
  if (!id) return undefined;
  const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: vulnerabilityKey(id) }));
  return Item ? currentVulnerability(Item as VulnerabilityItem) : undefined;
}

export async function readVulnerabilities(ids: string[]): Promise<Vulnerability[]> {
  const items = await batchGet<VulnerabilityItem>(tableName, ids.map(vulnerabilityKey), (item) => item.pk);
  return [...items.values()].map(currentVulnerability);
}

/** The stored source records of these record ids (each record's own id), skipping those never stored. */
export async function readSourceRecordsById(recordIds: string[]): Promise<Vulnerability[]> {
  const records = await Promise.all(
    recordIds.map(async (recordId) => {
      const id = await canonicalId(recordId);
      if (!id) return undefined;
      const { Item } = await documents.send(
        new GetCommand({ TableName: tableName, Key: sourceRecordKey(id, recordId) }),
      );
      return Item ? currentVulnerability(Item as VulnerabilityItem) : undefined;
    }),
  );
  return records.filter((record): record is Vulnerability => record !== undefined);
}

/** The source records stored for these canonical ids: each record with the id it is stored under. */
async function readSourceRecords(
  ids: string[],
): Promise<Map<string, { record: Vulnerability; under: string }>> {
  const records = new Map<string, { record: Vulnerability; under: string }>();
  for (const id of ids) {
    const items = await queryAll<VulnerabilityItem>({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': vulnerabilityKey(id).pk, ':prefix': sourceRecordPrefix },
    });
    for (const item of items) {
      records.set(item.sk.slice(sourceRecordPrefix.length), {
        record: currentVulnerability(item),
        under: id,
      });
    }
  }
  return records;
}

/** The advisory entries stored for a package, read once per package while one import runs. */
type PackageEntries = Map<string, Promise<PackageAdvisoryItem[]>>;

function packageEntries(name: string, cache: PackageEntries): Promise<PackageAdvisoryItem[]> {
  let entries = cache.get(name);
  if (!entries) {
    entries = queryAll<PackageAdvisoryItem>({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': packageAdvisoriesPartition(name) },
    });
    cache.set(name, entries);
  }
  return entries;
}

/**
 * The stored vulnerabilities a new record may belong to: those that share any of its ids, and, for a
 * record of one package, those of the same package with the same title, which merging may take for
 * the same flaw (see shared/advisories/merge.ts).
 */
async function relatedVulnerabilities(incoming: Vulnerability, cache: PackageEntries): Promise<string[]> {
  const ids = [incoming.id, ...incoming.aliases, ...incoming.sources];
  if (incoming.affected.length === 1) {
    const [{ package: name }] = incoming.affected as [AffectedPackage];
    for (const entry of await packageEntries(name, cache)) {
      if (titleKey(entry.summary, name) === titleKey(incoming.summary, name)) ids.push(entry.vulnerability);
    }
  }
  const found = await Promise.all([...new Set(ids)].map(canonicalId));
  return [...new Set(found.filter((id): id is string => id !== undefined))];
}

const packageAdvisoryItem = (
  vulnerability: Vulnerability,
  affected: AffectedPackage,
): PackageAdvisoryItem => ({
  ...packageAdvisoryKey(affected.package, vulnerability.id),
  ...packageAdvisory(vulnerability, affected),
  published: vulnerability.published,
});

/**
 * Stores source records (as parsed from advisory files) and the vulnerabilities they make up, and
 * returns the vulnerabilities that changed. The new records are merged again with the stored records
 * of every vulnerability they may belong to, and each resulting vulnerability is written with its
 * records, aliases and package entries: so a corrected record replaces its earlier version and can
 * narrow what it affects, a vulnerability found to be the same flaw as another moves under one id,
 * and one that no longer is splits off. Storing the same records again changes nothing and returns none.
 */
export async function saveVulnerabilities(records: Vulnerability[]): Promise<Vulnerability[]> {
  if (records.length === 0) return [];
  const changed: Vulnerability[] = [];
  const packages = new Set<string>();
  const entriesCache: PackageEntries = new Map();
  for (const incoming of mergeVulnerabilities(records)) {
    const related = await relatedVulnerabilities(incoming, entriesCache);
    const stored = new Map((await readVulnerabilities(related)).map((v) => [v.id, v]));
    const sources = await readSourceRecords(related);
    for (const record of records.filter((r) => incoming.sources.includes(recordId(r)))) {
      sources.set(recordId(record), { record, under: sources.get(recordId(record))?.under ?? '' });
    }
    const regrouped = mergeVulnerabilities([...sources.values()].map(({ record }) => record));
    const groupOf = new Map(regrouped.flatMap((v) => v.sources.map((source) => [source, v.id] as const)));
    const written = regrouped.filter((merged) => {
      const before = stored.get(merged.id);
      const inPlace = merged.sources.every((source) => sources.get(source)?.under === merged.id);
      return !(before && inPlace && canonicalJson(before) === canonicalJson(merged));
    });
    if (written.length === 0) continue;
    const kept = (id: string, name: string) =>
      regrouped.some((v) => v.id === id && v.affected.some((affected) => affected.package === name));
    await Promise.all(
      written.map((merged) =>
        documents.send(
          new PutCommand({ TableName: tableName, Item: { ...vulnerabilityKey(merged.id), ...merged } }),
        ),
      ),
    );
    await batchWrite(tableName, [
      ...written.flatMap((merged) => [
        ...merged.sources.map((source) => ({
          PutRequest: { Item: { ...sourceRecordKey(merged.id, source), ...sources.get(source)!.record } },
        })),
        ...[...new Map([merged.id, ...merged.aliases].map((id) => [id.toUpperCase(), id])).values()].map(
          (id) => ({
            PutRequest: { Item: { ...aliasKey(id), vulnerability: merged.id } satisfies AliasItem },
          }),
        ),
        ...merged.affected.map((affected) => ({
          PutRequest: { Item: packageAdvisoryItem(merged, affected) },
        })),
      ]),
      // Records that moved to another vulnerability leave the one they were stored under.
      ...[...sources.entries()]
        .filter(([source, { under }]) => under !== '' && under !== groupOf.get(source))
        .map(([source, { under }]) => ({ DeleteRequest: { Key: sourceRecordKey(under, source) } })),
      // Package entries a vulnerability no longer has, under its id or under one it no longer goes by.
      ...[...stored.values()].flatMap((before) =>
        before.affected
          .filter((affected) => !kept(before.id, affected.package))
          .map((affected) => ({ DeleteRequest: { Key: packageAdvisoryKey(affected.package, before.id) } })),
      ),
      ...[...stored.keys()]
        .filter((id) => !regrouped.some((v) => v.id === id))
        .map((id) => ({ DeleteRequest: { Key: vulnerabilityKey(id) } })),
    ]);
    for (const merged of written) {
      for (const affected of merged.affected) packages.add(affected.package);
      changed.push(merged);
    }
  }
  // Written last, after every item it stands for: a reader that sees the new revision sees them all.
  if (changed.length > 0) await addToAdvisoryCatalog(packages);
  return changed;
}

/**
 * Adds packages to the catalog and moves its revision. The write holds only if the revision it read
 * still stands, so that two imports at once (a sync and a CLI import, say) never write over each
 * other's packages: the one that loses reads the catalog again and adds its packages to the other's.
 */
async function addToAdvisoryCatalog(packages: Set<string>): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const catalog = await readAdvisoryCatalog();
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...advisoryPackagesKey,
            packages: [...new Set([...catalog.packages, ...packages])].sort(),
            revision: randomUUID(),
          },
          ...(catalog.revision === ''
            ? { ConditionExpression: 'attribute_not_exists(revision)' }
            : {
                ConditionExpression: 'revision = :read',
                ExpressionAttributeValues: { ':read': catalog.revision },
              }),
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
  throw new Error('could not add to the advisory catalog: it keeps changing');
}

/** Which packages any advisory affects, and a revision that every change to the advisories moves. */
interface AdvisoryCatalog {
  packages: string[];
  revision: string;
}

async function readAdvisoryCatalog(): Promise<AdvisoryCatalog> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName, Key: advisoryPackagesKey, ConsistentRead: true }),
  );
  return { packages: (Item?.packages as string[] | undefined) ?? [], revision: Item?.revision ?? '' };
}

/**
 * A package's advisories as this container read them, trusted while the catalog's revision stands.
 * Trusting them for a while instead would let an evaluation in another container, after a new
 * advisory was matched, fix the finding it opened and open it again minutes later.
 */
const advisoriesCache = new Map<string, PackageAdvisory[]>();
let cachedRevision: string | undefined;

/**
 * The advisories of each of these packages that any advisory affects: the catalog read consistently
 * (one small GetItem), then one Query per such package that this container has not read since the
 * advisories last changed.
 */
export async function advisoriesForPackages(names: string[]): Promise<Map<string, PackageAdvisory[]>> {
  const catalog = await readAdvisoryCatalog();
  if (catalog.revision !== cachedRevision) {
    advisoriesCache.clear();
    cachedRevision = catalog.revision;
  }
  const affected = new Set(catalog.packages);
  const result = new Map<string, PackageAdvisory[]>();
  await Promise.all(
    [...new Set(names)]
      .filter((name) => affected.has(name))
      .map(async (name) => {
        const cached = advisoriesCache.get(name);
        if (cached) {
          result.set(name, cached);
          return;
        }
        const items = await queryAll<PackageAdvisoryItem>({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': packageAdvisoriesPartition(name) },
        });
        const advisories = items.map((item) => ({
          vulnerability: item.vulnerability,
          aliases: item.aliases,
          summary: item.summary,
          severity: item.severity,
          // Entries stored before these were kept: the next advisory sync rewrites them.
          packages: item.packages ?? [item.affected.package],
          conditions: item.conditions ?? [],
          affected: currentAffected(item.affected),
          // Entries stored before revisions were kept have none: their findings are evaluated on re-match.
          revision: item.revision ?? '',
        }));
        advisoriesCache.set(name, advisories);
        result.set(name, advisories);
      }),
  );
  return result;
}

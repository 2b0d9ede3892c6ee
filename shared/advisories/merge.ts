/**
 * One vulnerability per real flaw. The EEF publishes each of its flaws twice (an OSV record EEF-CVE-…
 * and the CVE record itself), GitHub and mix_audit add their own GHSA records, and each names some of
 * the others' ids; records that share any id, directly or through others, describe one flaw.
 *
 * mix_audit's YAML names no other id, so its copy of an EEF flaw would stand apart. Such a record is
 * taken for the same flaw as another record of the same single package when both admit exactly the
 * same versions and their titles agree once a leading `package:` is dropped (GHSA-84f2-rp86-235p,
 * "cowlib: Decompression Bomb in cow_spdy:inflate/2 …", is CVE-2026-43970). Never across packages,
 * and never so that one flaw would carry two CVE ids. Each merge records why it was made.
 *
 * Merging is a union and is idempotent: merging a vulnerability with a record it already holds gives it
 * back unchanged, so importing the same files again changes nothing.
 */
import { sameRanges, sortVersions } from './affected.ts';
import type {
  AffectedPackage,
  AffectedRange,
  MergeReason,
  Severity,
  Vulnerability,
} from './vulnerability.ts';

const isCve = (id: string) => /^CVE-\d{4}-\d+$/.test(id);
const isGhsa = (id: string) => id.startsWith('GHSA-');

/** Records of the CNA that assigned the CVE (the CVE record, the EEF's OSV copy) word it best. */
const fromCna = (vulnerability: Vulnerability) =>
  vulnerability.sources.some((source) => isCve(source) || source.startsWith('EEF-'));

/** The canonical id among all ids of a flaw, and the others as aliases. */
export function identify(ids: Iterable<string>, sources: string[]): { id: string; aliases: string[] } {
  const all = [...new Set(ids)].sort();
  const id = all.find(isCve) ?? all.find(isGhsa) ?? [...sources].sort()[0] ?? all[0]!;
  return { id, aliases: all.filter((other) => other !== id) };
}

/** A range rebuilt with its keys in one order, so that equal ranges have equal text. */
function canonicalRange(range: AffectedRange): AffectedRange {
  switch (range.type) {
    case 'events':
      return {
        type: 'events',
        events: range.events.map((event) => ({
          ...(event.introduced !== undefined ? { introduced: event.introduced } : {}),
          ...(event.fixed !== undefined ? { fixed: event.fixed } : {}),
          ...(event.last_affected !== undefined ? { last_affected: event.last_affected } : {}),
          ...(event.limit !== undefined ? { limit: event.limit } : {}),
        })),
      };
    case 'requirement':
      return { type: 'requirement', range: range.range };
    case 'branches':
      return {
        type: 'branches',
        introduced: range.introduced,
        ...(range.lessThan !== undefined ? { lessThan: range.lessThan } : {}),
        ...(range.lessThanOrEqual !== undefined ? { lessThanOrEqual: range.lessThanOrEqual } : {}),
        unaffectedAt: [...range.unaffectedAt],
      };
  }
}

function distinctRanges(ranges: AffectedRange[]): AffectedRange[] {
  const byText = new Map<string, AffectedRange>();
  for (const range of ranges.map(canonicalRange)) {
    const text = JSON.stringify(range);
    if (!byText.has(text)) byText.set(text, range);
  }
  return [...byText.values()];
}

/** Entries for the same package combined into one each, ordered by ecosystem and package. */
export function combineAffected(entries: AffectedPackage[]): AffectedPackage[] {
  const byPackage = new Map<string, AffectedPackage[]>();
  for (const entry of entries) {
    const key = `${entry.ecosystem}#${entry.package}`;
    const group = byPackage.get(key);
    if (group) group.push(entry);
    else byPackage.set(key, [entry]);
  }
  return [...byPackage.keys()].sort().map((key) => {
    const group = byPackage.get(key)!;
    const { ecosystem, package: name } = group[0]!;
    return {
      ecosystem,
      package: name,
      ranges: distinctRanges(group.flatMap((entry) => entry.ranges)),
      versions: sortVersions(
        ecosystem,
        group.flatMap((entry) => entry.versions),
      ),
      fixed: sortVersions(
        ecosystem,
        group.flatMap((entry) => entry.fixed),
      ),
      functions: [...new Set(group.flatMap((entry) => entry.functions))].sort(),
      modules: [...new Set(group.flatMap((entry) => entry.modules))].sort(),
      files: [...new Set(group.flatMap((entry) => entry.files))].sort(),
    };
  });
}

const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** A CVSS vector outranks a database's word; among vectors the highest score wins. */
function outranks(candidate: Vulnerability, current: Vulnerability): boolean {
  const rank = (v: Vulnerability) => [
    v.vector ? 1 : 0,
    v.score ?? -1,
    v.severity ? severityRank[v.severity] : 0,
  ];
  const [a, b] = [rank(candidate), rank(current)];
  const difference = a.findIndex((value, index) => value !== b[index]);
  return difference !== -1 && a[difference]! > b[difference]!;
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return a <= b ? a : b;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return a ?? b;
  return a >= b ? a : b;
}

/** Two records of one flaw as one; `existing` wins every tie, so merging what it holds changes nothing. */
export function mergeInto(existing: Vulnerability, incoming: Vulnerability): Vulnerability {
  const sources = [...new Set([...existing.sources, ...incoming.sources])].sort();
  const { id, aliases } = identify(
    [existing.id, ...existing.aliases, incoming.id, ...incoming.aliases],
    sources,
  );
  const scored = outranks(incoming, existing) ? incoming : existing;
  const worded =
    (fromCna(incoming) && !fromCna(existing)) || (existing.summary === '' && incoming.summary !== '')
      ? incoming
      : existing;
  return {
    id,
    aliases,
    summary: worded.summary,
    severity: scored.severity,
    score: scored.score,
    vector: scored.vector,
    published: earliest(existing.published, incoming.published),
    modified: latest(existing.modified, incoming.modified),
    references: [...new Set([...existing.references, ...incoming.references])],
    conditions: existing.conditions.length > 0 ? existing.conditions : incoming.conditions,
    affected: combineAffected([...existing.affected, ...incoming.affected]),
    sources,
    merges: distinctMerges([...existing.merges, ...incoming.merges]),
  };
}

function distinctMerges(merges: MergeReason[]): MergeReason[] {
  const byRecords = new Map(merges.map((merge) => [merge.records.join('\u0000'), merge]));
  return [...byRecords.values()].sort((a, b) => a.records.join().localeCompare(b.records.join()));
}

/** A record's own id: the first of its sources (its `id` is already the canonical id of the flaw). */
export const recordId = (record: Vulnerability): string => record.sources[0] ?? record.id;

/** A title as records of one flaw share it: without a leading `package:`, case or runs of space. */
export function titleKey(summary: string, packageName: string): string {
  const title = summary.trim().toLowerCase().replace(/\s+/g, ' ');
  return title.startsWith(`${packageName}:`) ? title.slice(packageName.length + 1).trim() : title;
}

/** Whether a record names no id but its own, as mix_audit's YAML records do. */
const namesNoOtherId = (record: Vulnerability) =>
  record.aliases.length === 0 && record.id === recordId(record);

/**
 * Pairs of records (by index) that agree in content, the first naming no other id: one package, the
 * same one, identical ranges and title. A CVE record names no other id either, because it is the CNA's
 * own; the other record of a pair is then the reason to look at content.
 */
function contentMatches(records: Vulnerability[]): { alone: number; other: number }[] {
  const byContent = new Map<string, number[]>();
  records.forEach((record, index) => {
    if (record.affected.length !== 1) return;
    const name = record.affected[0]!.package;
    const key = `${name}\u0000${titleKey(record.summary, name)}`;
    byContent.set(key, [...(byContent.get(key) ?? []), index]);
  });
  const matches: { alone: number; other: number }[] = [];
  for (const indexes of byContent.values()) {
    for (const [position, a] of indexes.entries()) {
      for (const b of indexes.slice(position + 1)) {
        if (!sameRanges(records[a]!.affected[0]!, records[b]!.affected[0]!)) continue;
        const alone = [a, b]
          .filter((index) => namesNoOtherId(records[index]!))
          .sort((x, y) => Number(isCve(records[x]!.id)) - Number(isCve(records[y]!.id)))[0];
        if (alone !== undefined) matches.push({ alone, other: alone === a ? b : a });
      }
    }
  }
  return matches;
}

/** One vulnerability per flaw, ordered by id; the result does not depend on the order of `records`. */
export function mergeVulnerabilities(records: Vulnerability[]): Vulnerability[] {
  const ordered = [...records].sort((a, b) => recordId(a).localeCompare(recordId(b)));
  const parent = ordered.map((_, index) => index);
  const root = (index: number): number => {
    while (parent[index] !== index) index = parent[index] = parent[parent[index]!]!;
    return index;
  };
  const cves = ordered.map((record) => new Set([record.id, ...record.aliases].filter(isCve)));
  const edges: { at: number; merge: MergeReason }[] = [];
  const join = (a: number, b: number, by: MergeReason['by'], reason: string) => {
    const [ra, rb] = [root(a), root(b)];
    if (ra === rb) return;
    parent[rb] = ra;
    for (const cve of cves[rb]!) cves[ra]!.add(cve);
    edges.push({ at: ra, merge: { records: [recordId(ordered[a]!), recordId(ordered[b]!)], by, reason } });
  };

  const owner = new Map<string, number>();
  ordered.forEach((record, index) => {
    for (const id of [record.id, ...record.aliases, ...record.sources]) {
      const first = owner.get(id);
      if (first === undefined) owner.set(id, index);
      else join(first, index, 'id', `both name ${id}`);
    }
  });

  // A record that names no other id joins the one flaw whose records agree with it, never one of two.
  const matches = contentMatches(ordered);
  const flawsMatched = (alone: number) =>
    new Set(matches.filter((match) => match.alone === alone).map((match) => root(match.other))).size;
  for (const { alone, other } of matches.filter((match) => flawsMatched(match.alone) === 1)) {
    if (new Set([...cves[root(alone)]!, ...cves[root(other)]!]).size > 1) continue;
    join(
      other,
      alone,
      'content',
      `${recordId(ordered[alone]!)} names no other id; same package ${ordered[alone]!.affected[0]!.package}, identical affected ranges and title`,
    );
  }

  const groups = new Map<number, Vulnerability[]>();
  ordered.forEach((record, index) => {
    groups.set(root(index), [...(groups.get(root(index)) ?? []), record]);
  });
  // The CNA's records first, then by id; GitHub's OSV record and mix_audit's YAML share a GHSA id, so
  // their content settles the rest. Ties between records are then settled the same way whatever order
  // the files were read in.
  const orderOf = (record: Vulnerability) =>
    [fromCna(record) ? 0 : 1, recordId(record), JSON.stringify(record)].join('\u0000');
  return [...groups.entries()]
    .map(([at, group]) => {
      const merged = group
        .map((record) => ({ record, order: orderOf(record) }))
        .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
        .map(({ record }) => record)
        .reduce((merged, record) => mergeInto(merged, record));
      const reasons = edges.filter((edge) => root(edge.at) === root(at)).map((edge) => edge.merge);
      return { ...merged, merges: distinctMerges([...merged.merges, ...reasons]) };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

/**
 * One vulnerability per real flaw. The EEF publishes each of its flaws twice (an OSV record EEF-CVE-…
 * and the CVE record itself), GitHub and mix_audit add their own GHSA records, and each names some of
 * the others' ids; records that share any id, directly or through others, describe one flaw.
 *
 * Merging is a union and is idempotent: merging a vulnerability with a record it already holds gives it
 * back unchanged, so importing the same files again changes nothing.
 */
import { sortVersions } from './affected.ts';
import type { AffectedPackage, AffectedRange, Severity, Vulnerability } from './vulnerability.ts';

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
    affected: combineAffected([...existing.affected, ...incoming.affected]),
    sources,
  };
}

/** One vulnerability per flaw, ordered by id; the result does not depend on the order of `records`. */
export function mergeVulnerabilities(records: Vulnerability[]): Vulnerability[] {
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let top = id;
    while (parent.has(top) && parent.get(top) !== top) top = parent.get(top)!;
    parent.set(id, top);
    return top;
  };
  const idsOf = (record: Vulnerability) => [record.id, ...record.aliases, ...record.sources];
  for (const record of records) {
    const [first, ...others] = idsOf(record);
    for (const other of others) parent.set(root(other), root(first!));
  }
  const groups = new Map<string, Vulnerability[]>();
  for (const record of records) {
    const group = groups.get(root(record.id));
    if (group) group.push(record);
    else groups.set(root(record.id), [record]);
  }
  // The CNA's records first, then by id; GitHub's OSV record and mix_audit's YAML share a GHSA id, so
  // their content settles the rest. Ties between records are then settled the same way whatever order
  // the files were read in.
  const orderOf = (record: Vulnerability) =>
    [fromCna(record) ? 0 : 1, [...record.sources].sort()[0], JSON.stringify(record)].join('\u0000');
  return [...groups.values()]
    .map((group) =>
      group
        .map((record) => ({ record, order: orderOf(record) }))
        .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
        .map(({ record }) => record)
        .reduce((merged, record) => mergeInto(merged, record)),
    )
    .sort((a, b) => (a.id < b.id ? -1 : 1));
}

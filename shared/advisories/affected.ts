/**
 * Whether a version of a package is affected by an advisory, what to upgrade it to, and where in the
 * package's index the affected versions can lie.
 *
 * Versions compare as the package's ecosystem does: Erlang/OTP's own applications and releases part
 * by part, any number of parts (27.3.4.2); everything else as Elixir's Version. A version that does not
 * parse is affected only when `versions[]` lists it by name.
 *
 * - `events` (OSV): events sorted by version; a version is affected from an `introduced` ('0' is the
 *   start of history) up to the next `fixed` (excluded) or `last_affected` (included); and, when the
 *   range has `limit`s, only below one of them.
 * - `requirement` (GitHub range): as a lookup by range reads it.
 * - `branches` (CVE 5 `versionType: "otp"`): a version from `introduced` on (and below `lessThan` or up
 *   to `lessThanOrEqual` unless '*') is affected unless a fix covers it. A fix at `at` covers the
 *   versions of its maintenance branch from `at` on, the branch being named by all of `at`'s parts but
 *   the last: 5.2.11.6 fixes 5.2.11.7 but not 5.2.12 (that is `~> at`). The highest `at` also covers
 *   every version above it, since a new release line starts from a fixed one. So with fixes at 5.1.4.14,
 *   5.2.11.6 and 5.5.1, ssh 5.2.12 is affected and 5.6 is not.
 *
 * Where a bound cannot be read as a version (OTP's R13B03, a typo such as 3.01), the range is widened
 * rather than narrowed: an unreadable start is the start of history, an unreadable end is no end, and
 * an unreadable fix fixes nothing. Missing a vulnerable app is worse than a false alarm.
 */
import {
  compareElixirVersions,
  type ElixirVersion,
  maxDigits,
  parseElixirVersion,
} from '../versions/elixir-version.ts';
import { compareOtpVersions, type OtpVersion, parseOtpVersion } from '../versions/otp-version.ts';
import { parseRange } from '../versions/requirement.ts';
import { VersionMatcher, type VersionScheme } from '../versions/version-matcher.ts';
import type { AdvisoryEcosystem, AffectedPackage, AffectedRange } from './vulnerability.ts';

type Parsed = ElixirVersion | OtpVersion;

interface Scheme {
  name: VersionScheme;
  read(text: string): Parsed | undefined;
  compare(a: Parsed, b: Parsed): number;
  /** The release line a version belongs to, for choosing the fix an upgrade stays closest to. */
  line(version: Parsed): string;
}

/** As VersionMatcher does, versions with huge numbers are refused rather than compared. */
const hugeNumber = new RegExp(`\\d{${maxDigits + 1},}`);

const elixirScheme: Scheme = {
  name: 'elixir',
  read: (text) => (hugeNumber.test(text) ? undefined : parseElixirVersion(text)),
  compare: (a, b) => compareElixirVersions(a as ElixirVersion, b as ElixirVersion),
  line: (version) => `${(version as ElixirVersion).major}.${(version as ElixirVersion).minor}`,
};

const otpScheme: Scheme = {
  name: 'otp',
  read: (text) => (hugeNumber.test(text) ? undefined : parseOtpVersion(text)),
  compare: (a, b) => compareOtpVersions(a as OtpVersion, b as OtpVersion),
  line: (version) => `${(version as OtpVersion)[0]}.${(version as OtpVersion)[1] ?? 0}`,
};

const schemeOf = (ecosystem: AdvisoryEcosystem): Scheme => (ecosystem === 'otp' ? otpScheme : elixirScheme);

/** A bound of a range: its text for a range clause, its parsed form for comparing. */
interface Bound {
  text: string;
  version: Parsed;
}

/** One stretch of affected versions; an absent bound is open. */
interface Span {
  from?: Bound;
  to?: Bound;
  toIncluded: boolean;
}

function bound(scheme: Scheme, text: string | undefined): Bound | undefined {
  if (text === undefined || text === '0' || text === '*') return undefined;
  const version = scheme.read(text);
  return version ? { text, version } : undefined;
}

/** The stretches an OSV range affects, and its limits, in the order the OSV evaluation walks them. */
function eventSpans(scheme: Scheme, events: Extract<AffectedRange, { type: 'events' }>['events']) {
  const limits: Bound[] = [];
  const points: { kind: 'introduced' | 'fixed' | 'last_affected'; at?: Bound }[] = [];
  for (const event of events) {
    if (event.introduced !== undefined)
      points.push({ kind: 'introduced', at: bound(scheme, event.introduced) });
    const fixed = bound(scheme, event.fixed);
    if (fixed) points.push({ kind: 'fixed', at: fixed });
    const lastAffected = bound(scheme, event.last_affected);
    if (lastAffected) points.push({ kind: 'last_affected', at: lastAffected });
    const limit = bound(scheme, event.limit);
    if (limit) limits.push(limit);
  }
  points.sort((a, b) => {
    if (!a.at || !b.at) return (a.at ? 1 : 0) - (b.at ? 1 : 0);
    return scheme.compare(a.at.version, b.at.version);
  });
  const spans: Span[] = [];
  let open: Span | undefined;
  for (const point of points) {
    if (point.kind === 'introduced') {
      open ??= { ...(point.at ? { from: point.at } : {}), toIncluded: false };
    } else if (open) {
      spans.push({ ...open, to: point.at, toIncluded: point.kind === 'last_affected' });
      open = undefined;
    }
  }
  if (open) spans.push(open);
  return { spans, limits };
}

function inSpan(scheme: Scheme, span: Span, version: Parsed): boolean {
  if (span.from && scheme.compare(version, span.from.version) < 0) return false;
  if (!span.to) return true;
  const order = scheme.compare(version, span.to.version);
  return order < 0 || (span.toIncluded && order === 0);
}

function highest(scheme: Scheme, bounds: Bound[]): Bound | undefined {
  return bounds.reduce<Bound | undefined>(
    (top, next) => (!top || scheme.compare(next.version, top.version) > 0 ? next : top),
    undefined,
  );
}

function branchFixes(scheme: Scheme, range: Extract<AffectedRange, { type: 'branches' }>): Bound[] {
  return range.unaffectedAt.flatMap((at) => bound(scheme, at) ?? []);
}

function inRange(scheme: Scheme, range: AffectedRange, text: string, version: Parsed): boolean {
  switch (range.type) {
    case 'events': {
      const { spans, limits } = eventSpans(scheme, range.events);
      if (limits.length > 0 && !limits.some((limit) => scheme.compare(version, limit.version) < 0))
        return false;
      return spans.some((span) => inSpan(scheme, span, version));
    }
    case 'requirement':
      return new VersionMatcher(parseRange(range.range)!, scheme.name).matches(text);
    case 'branches': {
      const from = bound(scheme, range.introduced);
      if (from && scheme.compare(version, from.version) < 0) return false;
      const lessThan = bound(scheme, range.lessThan);
      if (lessThan && scheme.compare(version, lessThan.version) >= 0) return false;
      const upTo = bound(scheme, range.lessThanOrEqual);
      if (upTo && scheme.compare(version, upTo.version) > 0) return false;
      const fixes = branchFixes(scheme, range);
      const newest = highest(scheme, fixes);
      if (newest && scheme.compare(version, newest.version) >= 0) return false;
      return !fixes.some((fix) =>
        new VersionMatcher([{ operator: '~>', operand: fix.text }], scheme.name).matches(text),
      );
    }
  }
}

function listed(
  scheme: Scheme,
  affected: AffectedPackage,
  text: string,
  version: Parsed | undefined,
): boolean {
  return affected.versions.some((entry) => {
    if (entry === text) return true;
    const other = version && scheme.read(entry);
    return !!other && scheme.compare(other, version!) === 0;
  });
}

/** Whether this version of the package is affected. */
export function affects(affected: AffectedPackage, version: string): boolean {
  const scheme = schemeOf(affected.ecosystem);
  const parsed = scheme.read(version);
  if (parsed && affected.ranges.some((range) => inRange(scheme, range, version, parsed))) return true;
  return listed(scheme, affected, version, parsed);
}

/**
 * The version to upgrade to: the lowest fix above `version` on its own release line (same
 * major.minor) that is not itself affected, else the lowest such fix on any line; null when the
 * version is not affected or no fix is known.
 */
export function upgradeTo(affected: AffectedPackage, version: string): string | null {
  const scheme = schemeOf(affected.ecosystem);
  const current = scheme.read(version);
  if (!current || !affects(affected, version)) return null;
  const fixes = affected.fixed
    .flatMap((text) => bound(scheme, text) ?? [])
    .filter((fix) => scheme.compare(fix.version, current) > 0 && !affects(affected, fix.text))
    .sort((a, b) => scheme.compare(a.version, b.version));
  const sameLine = fixes.find((fix) => scheme.line(fix.version) === scheme.line(current));
  return (sameLine ?? fixes[0])?.text ?? null;
}

/** A GitHub range from its clauses, or null when nothing bounds it. */
const rangeText = (clauses: string[]): string | null => (clauses.length > 0 ? clauses.join(', ') : null);

function candidatesOf(scheme: Scheme, range: AffectedRange): (string | null)[] {
  switch (range.type) {
    case 'events':
      return eventSpans(scheme, range.events).spans.map((span) =>
        rangeText([
          ...(span.from ? [`>= ${span.from.text}`] : []),
          ...(span.to ? [`${span.toIncluded ? '<=' : '<'} ${span.to.text}`] : []),
        ]),
      );
    case 'requirement':
      return [range.range];
    case 'branches': {
      const from = bound(scheme, range.introduced);
      const lessThan = bound(scheme, range.lessThan);
      const upTo = bound(scheme, range.lessThanOrEqual);
      const newest = highest(scheme, branchFixes(scheme, range));
      return [
        rangeText([
          ...(from ? [`>= ${from.text}`] : []),
          ...(lessThan ? [`< ${lessThan.text}`] : []),
          ...(upTo ? [`<= ${upTo.text}`] : []),
          ...(newest ? [`< ${newest.text}`] : []),
        ]),
      ];
    }
  }
}

/**
 * The key ranges to read from the package index to find candidates: GitHub ranges that together hold
 * every affected version (and perhaps more), or null meaning "all versions".
 */
export function candidateRanges(affected: AffectedPackage): string[] | null {
  const scheme = schemeOf(affected.ecosystem);
  const ranges: string[] = [];
  for (const candidate of affected.ranges.flatMap((range) => candidatesOf(scheme, range))) {
    if (candidate === null) return null;
    if (!ranges.includes(candidate)) ranges.push(candidate);
  }
  const matchers = ranges.map((range) => new VersionMatcher(parseRange(range)!, scheme.name));
  for (const version of affected.versions) {
    if (matchers.some((matcher) => matcher.matches(version))) continue;
    // A listed version that does not parse is found only by its name, which no key range can select.
    if (!scheme.read(version)) return null;
    ranges.push(`= ${version}`);
  }
  return ranges;
}

/** Versions deduplicated and in ascending order; those that do not parse follow, by name. */
export function sortVersions(ecosystem: AdvisoryEcosystem, versions: Iterable<string>): string[] {
  const scheme = schemeOf(ecosystem);
  return [...new Set(versions)]
    .map((text) => ({ text, version: scheme.read(text) }))
    .sort((a, b) => {
      if (a.version && b.version) return scheme.compare(a.version, b.version) || (a.text < b.text ? -1 : 1);
      if (a.version || b.version) return a.version ? -1 : 1;
      return a.text < b.text ? -1 : 1;
    })
    .map(({ text }) => text);
}

/** A stretch of versions with both ends marked open or closed, for telling whether two ranges agree. */
interface ClosedSpan {
  from?: Bound;
  fromIncluded: boolean;
  to?: Bound;
  toIncluded: boolean;
}

/** The stretches a GitHub range admits, or undefined for a clause no stretch can say (`!=`, `~>`). */
function requirementSpans(scheme: Scheme, range: string): ClosedSpan[] | undefined {
  const clauses = parseRange(range);
  if (!clauses) return undefined;
  const spans: ClosedSpan[] = [];
  for (const clause of clauses) {
    if (clause.connective !== 'and') spans.push({ fromIncluded: true, toIncluded: false });
    const span = spans.at(-1)!;
    const at = bound(scheme, clause.operand);
    if (!at) return undefined;
    const lower = clause.operator === '>=' || clause.operator === '>' || clause.operator === '==';
    const upper = clause.operator === '<=' || clause.operator === '<' || clause.operator === '==';
    if (!lower && !upper) return undefined;
    if ((lower && span.from) || (upper && span.to)) return undefined;
    if (lower) Object.assign(span, { from: at, fromIncluded: clause.operator !== '>' });
    if (upper) Object.assign(span, { to: at, toIncluded: clause.operator !== '<' });
  }
  return spans;
}

function spansOf(scheme: Scheme, range: AffectedRange): ClosedSpan[] | undefined {
  switch (range.type) {
    case 'events': {
      const { spans, limits } = eventSpans(scheme, range.events);
      return limits.length > 0 ? undefined : spans.map((span) => ({ ...span, fromIncluded: true }));
    }
    case 'requirement':
      return requirementSpans(scheme, range.range);
    case 'branches':
      return undefined;
  }
}

/**
 * Whether two packages' ranges admit exactly the same versions, read as stretches with open or closed
 * ends: `>= 0.1.0, < 2.16.1` agrees with the OSV events introduced 0.1.0, fixed 2.16.1. Lists of
 * versions are left aside (the EEF lists what its range holds), and ranges that cannot be read as
 * stretches (limits, OTP branches, `!=`) never agree with anything.
 */
export function sameRanges(a: AffectedPackage, b: AffectedPackage): boolean {
  if (a.ecosystem !== b.ecosystem || a.package !== b.package) return false;
  const scheme = schemeOf(a.ecosystem);
  const canonical = (affected: AffectedPackage) => {
    const spans: ClosedSpan[] = [];
    for (const range of affected.ranges) {
      const stretches = spansOf(scheme, range);
      if (!stretches) return undefined;
      spans.push(...stretches);
    }
    if (spans.length === 0) return undefined;
    const ends = (span: ClosedSpan) =>
      [
        span.from ? `${span.fromIncluded ? '[' : '('}${normalized(scheme, span.from)}` : '(',
        span.to ? `${normalized(scheme, span.to)}${span.toIncluded ? ']' : ')'}` : ')',
      ].join(',');
    return [...new Set(spans.map(ends))].sort().join(' ');
  };
  const left = canonical(a);
  return left !== undefined && left === canonical(b);
}

/** One spelling per version, so that 27.3 and 27.3.0, or 1.0.0+build and 1.0.0, compare as text. */
function normalized(scheme: Scheme, at: Bound): string {
  if (scheme.name === 'otp') {
    const parts = [...(at.version as OtpVersion)];
    while (parts.length > 1 && parts.at(-1) === 0) parts.pop();
    return parts.join('.');
  }
  const { major, minor, patch, pre } = at.version as ElixirVersion;
  return `${major}.${minor}.${patch ?? 0}${pre.length > 0 ? `-${pre.join('.')}` : ''}`;
}

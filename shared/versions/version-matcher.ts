import { encodeVersionNumbers } from '../version-key.ts';
import {
  compareElixirVersions,
  type ElixirVersion,
  maxDigits,
  parseElixirVersion,
} from './elixir-version.ts';
import { compareOtpVersions, type OtpVersion, otpApproximateUpper, parseOtpVersion } from './otp-version.ts';
import type { Clause, Operator } from './requirement.ts';

/**
 * Which versions a requirement admits. Hex packages and Elixir's applications follow Elixir's
 * Version exactly; Erlang/OTP releases and applications (27.3.4.2, ssh 5.2.11.6) have any number of
 * parts and are compared part by part, with `~>` raising the next-to-last part.
 */
export type VersionScheme = 'elixir' | 'otp';

export class InvalidRequirement extends Error {}

/** Where the matching versions can lie, as numbers: the key range that a Query reads. */
export interface NumberRange {
  low?: number[];
  high?: number[];
}

interface CompiledClause {
  connective?: 'and' | 'or';
  test: (version: string) => boolean;
  low?: number[];
  high?: number[];
}

const hugeNumber = new RegExp(`\\d{${maxDigits + 1},}`);

/** How one scheme reads, orders and spans its versions. */
interface SchemeRules<V> {
  parse(text: string): V | undefined;
  compare(a: V, b: V): number;
  numbers(version: V): number[];
}

const elixirRules: SchemeRules<ElixirVersion> = {
  parse: (text) => parseElixirVersion(text),
  compare: compareElixirVersions,
  numbers: (version) => [version.major, version.minor, version.patch ?? 0],
};

const otpRules: SchemeRules<OtpVersion> = {
  parse: parseOtpVersion,
  compare: compareOtpVersions,
  numbers: (version) => version,
};

/** One operator applied to one operand; `~>` admits from `approximate.from` up to `approximate.to`. */
function compileClause<V>(
  rules: SchemeRules<V>,
  operator: Operator,
  version: V,
  approximate: () => { from: V; to: V },
): CompiledClause {
  const holds = (text: string, test: (candidate: V) => boolean) => {
    const candidate = rules.parse(text);
    return candidate !== undefined && test(candidate);
  };
  const order = (text: string, test: (order: number) => boolean) =>
    holds(text, (candidate) => test(rules.compare(candidate, version)));
  const numbers = rules.numbers(version);
  switch (operator) {
    case '==':
      return { test: (v) => order(v, (o) => o === 0), low: numbers, high: numbers };
    case '!=':
      return { test: (v) => order(v, (o) => o !== 0) };
    case '>':
      return { test: (v) => order(v, (o) => o > 0), low: numbers };
    case '>=':
      return { test: (v) => order(v, (o) => o >= 0), low: numbers };
    case '<':
      return { test: (v) => order(v, (o) => o < 0), high: numbers };
    case '<=':
      return { test: (v) => order(v, (o) => o <= 0), high: numbers };
    case '~>': {
      const { from, to } = approximate();
      return {
        test: (v) =>
          holds(v, (candidate) => rules.compare(candidate, from) >= 0 && rules.compare(candidate, to) < 0),
        low: rules.numbers(from),
        high: rules.numbers(to),
      };
    }
  }
}

function compileElixir(operator: Operator, operand: string): CompiledClause {
  const version = parseElixirVersion(operand, true);
  if (!version) throw new InvalidRequirement(`${operand} is not a version such as 1.4.2 or 1.4.2-rc.1`);
  if (operator !== '~>' && version.patch === undefined) {
    throw new InvalidRequirement(
      `${operand} needs a patch number (MAJOR.MINOR.PATCH); only ~> takes MAJOR.MINOR`,
    );
  }
  return compileClause(elixirRules, operator, version, () => ({
    from: { ...version, patch: version.patch ?? 0 },
    to:
      version.patch === undefined
        ? { major: version.major + 1, minor: 0, patch: 0, pre: [0] }
        : { major: version.major, minor: version.minor + 1, patch: 0, pre: [0] },
  }));
}

function compileOtp(operator: Operator, operand: string): CompiledClause {
  const version = parseOtpVersion(operand);
  if (!version) throw new InvalidRequirement(`${operand} is not an Erlang/OTP version such as 27.3.4.2`);
  return compileClause(otpRules, operator, version, () => ({
    from: version,
    to: otpApproximateUpper(version),
  }));
}

const lowest = (a: number[], b: number[]) => (compareOtpVersions(a, b) <= 0 ? a : b);
const highest = (a: number[], b: number[]) => (compareOtpVersions(a, b) >= 0 ? a : b);

export class VersionMatcher {
  private readonly clauses: CompiledClause[];

  constructor(clauses: Clause[], scheme: VersionScheme) {
    if (clauses.length === 0) throw new InvalidRequirement('is empty');
    const oversized = clauses.find((clause) => hugeNumber.test(clause.operand));
    if (oversized)
      throw new InvalidRequirement(`${oversized.operand}: each number has at most ${maxDigits} digits`);
    const compile = scheme === 'elixir' ? compileElixir : compileOtp;
    this.clauses = clauses.map((clause) => ({
      connective: clause.connective,
      ...compile(clause.operator, clause.operand),
    }));
  }

  /** Version.match?/2: clauses from left to right, `and` before `or`. */
  matches(version: string): boolean {
    if (hugeNumber.test(version)) return false;
    const [first, ...rest] = this.clauses;
    let result = first!.test(version);
    for (const clause of rest) {
      if (clause.connective === 'or') {
        if (result) return true;
        result = clause.test(version);
      } else {
        result = result && clause.test(version);
      }
    }
    return result;
  }

  /** The narrowest span of version numbers outside which nothing matches; open where unbounded. */
  numberRange(): NumberRange {
    const groups: CompiledClause[][] = [];
    for (const clause of this.clauses) {
      if (clause.connective !== 'and') groups.push([]);
      groups[groups.length - 1]!.push(clause);
    }
    let low: number[] | undefined;
    let high: number[] | undefined;
    let openLow = false;
    let openHigh = false;
    for (const group of groups) {
      const lows = group.flatMap((clause) => (clause.low ? [clause.low] : []));
      const highs = group.flatMap((clause) => (clause.high ? [clause.high] : []));
      // Within a group every clause holds, so the group starts at its highest low and ends at its lowest high.
      if (lows.length === 0) openLow = true;
      else {
        const groupLow = lows.reduce(highest);
        low = low ? lowest(low, groupLow) : groupLow;
      }
      if (highs.length === 0) openHigh = true;
      else {
        const groupHigh = highs.reduce(lowest);
        high = high ? highest(high, groupHigh) : groupHigh;
      }
    }
    return { low: openLow ? undefined : low, high: openHigh ? undefined : high };
  }
}

/** Sort-key bounds for a span of versions: every key of a version inside it lies between them. */
export function versionKeyBounds({ low, high }: NumberRange): { low?: string; high?: string } {
  const trimmed = low ? low.slice(0, Math.max(1, low.findLastIndex((n) => n !== 0) + 1)) : undefined;
  return {
    low: trimmed ? encodeVersionNumbers(trimmed) : undefined,
    // '~' sorts after the separators '#', '!' and '.', so every longer version and pre-release is inside.
    high: high ? `${encodeVersionNumbers(high)}~` : undefined,
  };
}

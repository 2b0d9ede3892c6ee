/**
 * Elixir's `Version`, as Elixir 1.14 implements it: a version is MAJOR.MINOR.PATCH with an optional
 * pre-release (-rc.1) and build (+build.5); numbers have no leading zeros; pre-release identifiers
 * that are all digits are numbers. Comparison ignores the build, puts a pre-release before its release,
 * and compares pre-releases as Erlang compares lists: element by element, numbers before strings,
 * strings byte by byte, and a list before any longer list that starts with it.
 */

export type PreRelease = (number | string)[];

export interface ElixirVersion {
  major: number;
  minor: number;
  /** Absent only in the operand of a `~>` requirement such as `~> 2.0`. */
  patch: number | undefined;
  pre: PreRelease;
}

/** The largest number a version may carry; larger ones are refused before any comparison. */
export const maxDigits = 14;

const digits = /^[0-9]+$/;
const identifier = /^[0-9A-Za-z-]+$/;

function number(text: string | undefined): number | undefined {
  if (text === undefined || !digits.test(text)) return undefined;
  if (text.length > 1 && text.startsWith('0')) return undefined;
  return Number(text);
}

function dotSeparated(text: string | undefined): string[] | undefined {
  if (text === undefined) return [];
  const parts = text.split('.');
  return parts.every((part) => part !== '' && identifier.test(part)) ? parts : undefined;
}

/**
 * Parses as Elixir's Version.Parser.parse_version/2; `approximate` lets the patch be absent, as in the
 * operand of `~>`. Undefined where Elixir answers :error.
 */
export function parseElixirVersion(text: string, approximate = false): ElixirVersion | undefined {
  const plus = text.indexOf('+');
  const withPre = plus === -1 ? text : text.slice(0, plus);
  const build = plus === -1 ? undefined : text.slice(plus + 1);
  const dash = withPre.indexOf('-');
  const core = dash === -1 ? withPre : withPre.slice(0, dash);
  const preText = dash === -1 ? undefined : withPre.slice(dash + 1);
  const [majorText, minorText, patchText, ...extra] = core.split('.');
  if (extra.length > 0) return undefined;
  const major = number(majorText);
  const minor = number(minorText);
  const patch = patchText === undefined && approximate ? undefined : number(patchText);
  if (major === undefined || minor === undefined) return undefined;
  if (patch === undefined && !(patchText === undefined && approximate)) return undefined;
  const preParts = dotSeparated(preText);
  if (!preParts || !dotSeparated(build)) return undefined;
  const pre: PreRelease = [];
  for (const part of preParts) {
    if (digits.test(part)) {
      if (part.length > 1 && part.startsWith('0')) return undefined;
      pre.push(Number(part));
    } else {
      pre.push(part);
    }
  }
  return { major, minor, patch, pre };
}

function compareTerms(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const bytesA = Buffer.from(a);
  const bytesB = Buffer.from(b);
  return Buffer.compare(bytesA, bytesB);
}

/** Erlang's order of two lists of numbers and strings. */
function comparePre(a: PreRelease, b: PreRelease): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareTerms(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Negative, zero or positive as `a` is lower than, equal to or higher than `b` (Version.compare/2). */
export function compareElixirVersions(a: ElixirVersion, b: ElixirVersion): number {
  const numbers = a.major - b.major || a.minor - b.minor || (a.patch ?? 0) - (b.patch ?? 0);
  if (numbers !== 0) return numbers;
  if (a.pre.length === 0 && b.pre.length > 0) return 1;
  if (a.pre.length > 0 && b.pre.length === 0) return -1;
  return comparePre(a.pre, b.pre);
}

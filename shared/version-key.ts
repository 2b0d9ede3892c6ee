/**
 * Sort keys for versions, so that the package index can be read in version order and a version range
 * becomes one key range. Elixir versions (1.16.1, 1.0.0-rc.1+build) and Erlang/OTP application
 * versions with any number of parts (5.2.11.6) share one encoding:
 *
 * - each numeric part is its length as one letter (A = 1 digit ... N = 14 digits) followed by its
 *   digits without leading zeros, so 9 < 10 sorts right as text; parts are joined by '.';
 * - a pre-release appends '!' and its text, which sorts before the release itself because the key
 *   of a release is followed directly by the '#' separator ('!' < '#') and a longer version by '.';
 * - build metadata is dropped, as Elixir's Version ignores it when comparing;
 * - a version that is not numeric (a git ref) is '~' and its text, after every numeric version.
 *
 * The order among pre-releases of one version is only approximate; range reads therefore take the
 * whole block of a bound's numbers and the exact comparison happens after reading.
 */

const versionPattern = /^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export const maxVersionPartDigits = 14;

/** The key of a version's numbers alone, without pre-release: the start of every key with them. */
export function encodeVersionNumbers(numbers: (number | string)[]): string {
  return numbers
    .map((part) => {
      const digits = String(part).replace(/^0+(?=\d)/, '');
      return String.fromCharCode(0x40 + digits.length) + digits;
    })
    .join('.');
}

const encodeNumbers = (numbers: string): string => encodeVersionNumbers(numbers.split('.'));

export function versionSortKey(version: string): string {
  const match = versionPattern.exec(version);
  const numbers = match?.[1];
  if (
    !numbers ||
    numbers.split('.').some((part) => part.replace(/^0+(?=\d)/, '').length > maxVersionPartDigits)
  ) {
    return `~${version}`;
  }
  const pre = match[2];
  return pre === undefined ? encodeNumbers(numbers) : `${encodeNumbers(numbers)}!${pre}`;
}

/** Two versions name the same release when they differ only in build metadata. */
export function sameRelease(a: string, b: string): boolean {
  return versionSortKey(a) === versionSortKey(b);
}

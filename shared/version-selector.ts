import { ecosystemOf } from './ecosystem.ts';
import { ValidationError } from './errors.ts';
import { sameRelease } from './version-key.ts';
import { parseElixirRequirement, parseRange } from './versions/requirement.ts';
import {
  InvalidRequirement,
  VersionMatcher,
  type VersionScheme,
  versionKeyBounds,
} from './versions/version-matcher.ts';

/** Which versions a lookup asks for: exactly one, an Elixir requirement, or an advisory range. */
export type VersionQuery =
  | { version: string; requirement?: undefined; range?: undefined }
  | { version?: undefined; requirement: string; range?: undefined }
  | { version?: undefined; requirement?: undefined; range: string };

/** The versions a lookup selects, and the part of the package's sort keys where they can be. */
export interface VersionSelector {
  matches(version: string): boolean;
  /** The bounds of the versions' keys (either may be open); both absent: the whole package. */
  keys: { low?: string; high?: string };
}

/** OTP's own applications and releases have versions of any length; everything else is Elixir's. */
export const schemeOf = (packageName: string): VersionScheme =>
  ecosystemOf(packageName) === 'otp' ? 'otp' : 'elixir';

function matcher(
  field: 'version' | 'requirement' | 'range',
  text: string,
  scheme: VersionScheme,
): VersionMatcher {
  const clauses = field === 'range' ? parseRange(text) : parseElixirRequirement(text);
  if (!clauses) {
    throw new ValidationError(
      field,
      field === 'range'
        ? 'is not an advisory range such as ">= 1.3.0, < 1.3.2 || >= 2.0.0, < 2.0.1"'
        : 'is not an Elixir version requirement such as ">= 1.3.0 and < 1.3.2" or "~> 2.0"',
    );
  }
  try {
    return new VersionMatcher(clauses, scheme);
  } catch (error) {
    if (error instanceof InvalidRequirement) throw new ValidationError(field, error.message);
    throw error;
  }
}

export function versionSelector(packageName: string, query: VersionQuery): VersionSelector {
  const scheme = schemeOf(packageName);
  if (query.version !== undefined) {
    // Exact: the same release (build metadata aside), or an equal version under the package's scheme,
    // so that OTP's 27.3 finds 27.3.0. Anything else ("1.16", "v1.16.1", "< 1.16.2") would match
    // nothing, so it is refused with a pointer to what was probably meant.
    let equal: VersionMatcher;
    try {
      equal = new VersionMatcher([{ operator: '==', operand: query.version }], scheme);
    } catch (error) {
      if (!(error instanceof InvalidRequirement)) throw error;
      throw new ValidationError(
        'version',
        `is not a version such as ${scheme === 'otp' ? '5.2.11.6' : '1.16.1'}; for several versions give requirement instead (for example requirement=${encodeURIComponent('~> 1.16.0')})`,
      );
    }
    return {
      matches: (version) => sameRelease(version, query.version) || equal.matches(version),
      keys: versionKeyBounds(equal.numberRange()),
    };
  }
  const field = query.requirement !== undefined ? 'requirement' : 'range';
  const selected = matcher(field, query.requirement ?? query.range!, scheme);
  return { matches: (version) => selected.matches(version), keys: versionKeyBounds(selected.numberRange()) };
}

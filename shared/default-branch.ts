import * as z from 'zod';
import { acceptedText } from './text.ts';

/**
 * Which scans speak for an app: those of its default branch, whose latest per tool drive the app's
 * counts and detail view. Pull requests' and other branches' scans are kept and compared, never
 * counted.
 */

export const fallbackDefaultBranch = 'main';

/** The app's setting wins over what CI says the repository's default branch is; `main` when neither. */
export const defaultBranchOf = (setting: string | undefined, fromCi: string | undefined): string =>
  setting ?? fromCi ?? fallbackDefaultBranch;

/** `main` from `refs/heads/main` or `main`; undefined for a ref that is no branch (a tag, a PR's merge ref). */
function branchOf(ref: string): string | undefined {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  return ref.startsWith('refs/') ? undefined : ref;
}

/**
 * Whether a scan is of the default branch. One of a pull request never is; one that names no ref at
 * all is, as uploads were counted before they said where they came from.
 */
export function isOnDefaultBranch(
  scan: { ref?: string; pull_request?: number },
  defaultBranch: string,
): boolean {
  if (scan.pull_request !== undefined) return false;
  if (scan.ref === undefined) return true;
  return branchOf(scan.ref) === defaultBranch;
}

/** A branch name as git allows it: printable, without spaces or the characters git refuses. */
export const branchName = z
  .string()
  .min(1)
  .max(255)
  .check(acceptedText('name'))
  .refine((name) => !/[\s~^:?*[\\]/.test(name), 'must be a branch name');

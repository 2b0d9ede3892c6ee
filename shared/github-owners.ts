import { ValidationError } from './errors.ts';

/**
 * GitHub accounts (users or organizations: the `owner` of `owner/name`) bound to Muster organizations.
 * A scan names its repository freely, and one GitHub App may be installed on the repositories of every
 * organization a deployment serves, so pull-request feedback goes only to repositories whose owner the
 * operator bound to the scan's organization. GitHub compares account names without case; so does Muster,
 * which keeps them lower-cased.
 */

/** GitHub's longest account name. */
const maxLength = 39;
/** Letters and digits, with single hyphens between them (never first, last or doubled). */
const accountName = /^[a-z0-9]+(?:-[a-z0-9]+)*$/i;

/** An account name as GitHub allows it, lower-cased; a ValidationError on `owner` otherwise. */
export function gitHubOwner(name: string): string {
  if (name.length > maxLength || !accountName.test(name))
    throw new ValidationError(
      'owner',
      `${JSON.stringify(name)} is not a GitHub account name: 1-${maxLength} letters, digits and single hyphens, neither first nor last`,
    );
  return name.toLowerCase();
}

/** The lower-cased account that owns `owner/name`. */
export const ownerOfRepository = (repository: string): string => repository.split('/')[0]!.toLowerCase();

/**
 * Whether a value matches an IAM `StringLike` pattern, as IAM matches condition values and resource
 * ARNs: `*` stands for any run of characters (none too), `?` for exactly one, and case counts.
 */
export function matchesIamPattern(pattern: string, value: string): boolean {
  const expression = [...pattern]
    .map((character) => {
      if (character === '*') return '.*';
      if (character === '?') return '.';
      return character.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${expression}$`, 's').test(value);
}

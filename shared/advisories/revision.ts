import { createHash } from 'node:crypto';
import type { Vulnerability } from './vulnerability.ts';

/** JSON with object keys sorted: DynamoDB does not keep the order of a map's keys. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, inner) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/**
 * A digest of what a vulnerability's findings are made of (its ids, words, severity, conditions and
 * affected ranges), kept on every finding, so that a re-match can tell without evaluating that a
 * finding already reflects the vulnerability as it stands.
 */
export function findingRevision(
  vulnerability: Pick<Vulnerability, 'id' | 'aliases' | 'summary' | 'severity' | 'conditions' | 'affected'>,
): string {
  const { id, aliases, summary, severity, conditions, affected } = vulnerability;
  return createHash('sha256')
    .update(canonicalJson({ id, aliases, summary, severity, conditions, affected }))
    .digest('base64url')
    .slice(0, 22);
}

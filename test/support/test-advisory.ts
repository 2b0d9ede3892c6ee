import { expect } from 'vitest';
import { importAdvisories } from '../../functions/use-cases/import-advisories.ts';

/**
 * Imports a critical advisory of a package of the test's own, fixed in `fixed`, so that tests sharing
 * the table never meet; returns its id.
 */
export async function criticalAdvisoryOf(name: string, fixed: string): Promise<string> {
  const id = `GHSA-fresh-${name.replace(/_/g, '-')}`;
  const osv = {
    schema_version: '1.7.3',
    id,
    modified: new Date().toISOString(),
    published: new Date().toISOString(),
    summary: `Remote code execution in ${name}`,
    database_specific: { severity: 'CRITICAL' },
    affected: [
      {
        package: { ecosystem: 'Hex', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  };
  const imported = await importAdvisories([{ name: `${id}.json`, content: JSON.stringify(osv) }]);
  expect(imported.errors).toEqual([]);
  return id;
}

/** A package name of the test's own organization. */
export const packageName = (org: string): string => `acme_${org.replace(/-/g, '_')}`;

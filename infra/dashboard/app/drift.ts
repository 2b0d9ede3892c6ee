import type { DependencyVersions } from './api-types.ts';

/**
 * Dependencies as the app-environment page shows them: each version with how many live instances run
 * it, most common first, and whether the instances disagree (drift).
 */

export interface VersionShare {
  version: string;
  count: number;
  instances: string[];
}

export interface DependencyRow {
  name: string;
  ecosystem: string;
  versions: VersionShare[];
  /** Live instances that do not load it at all. */
  missingOn: string[];
  /** The version differs between instances, or some instances lack it. */
  drift: boolean;
}

const byCountThenVersion = (a: VersionShare, b: VersionShare): number =>
  b.count - a.count || a.version.localeCompare(b.version, 'en', { numeric: true });

export function dependencyRow(dependency: DependencyVersions): DependencyRow {
  const versions = dependency.versions
    .map(({ version, instances }) => ({ version, count: instances.length, instances: [...instances].sort() }))
    .sort(byCountThenVersion);
  return {
    name: dependency.name,
    ecosystem: dependency.ecosystem,
    versions,
    missingOn: [...dependency.missing_on].sort(),
    drift: versions.length > 1 || dependency.missing_on.length > 0,
  };
}

/** Every dependency, by name, those that drift first. */
export function dependencyRows(dependencies: readonly DependencyVersions[]): DependencyRow[] {
  return dependencies
    .map(dependencyRow)
    .sort((a, b) => Number(b.drift) - Number(a.drift) || a.name.localeCompare(b.name));
}

/** Only the dependencies whose instances disagree, by name. */
export const driftRows = (dependencies: readonly DependencyVersions[]): DependencyRow[] =>
  dependencies
    .map(dependencyRow)
    .filter((row) => row.drift)
    .sort((a, b) => a.name.localeCompare(b.name));

/** "1.14.0 on 2 instances, 1.16.1 on 1 instance; missing on 1 instance". */
export function versionSharesText(row: DependencyRow): string {
  const parts = row.versions.map(
    ({ version, count }) => `${version} on ${count} ${count === 1 ? 'instance' : 'instances'}`,
  );
  const text = parts.join(', ');
  if (row.missingOn.length === 0) return text;
  const missing = `missing on ${row.missingOn.length} ${row.missingOn.length === 1 ? 'instance' : 'instances'}`;
  return text === '' ? missing : `${text}; ${missing}`;
}

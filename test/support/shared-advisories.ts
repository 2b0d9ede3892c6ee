import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parseAdvisory } from '../../shared/advisories/parse.ts';
import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { type PackageAdvisory, packageAdvisory } from '../../shared/findings.ts';

/** The real advisories in ../shared/advisories, which tests read when they are present. */
export const sharedAdvisories = new URL('../../../shared/advisories/', import.meta.url);

export const haveSharedAdvisories = existsSync(sharedAdvisories);

/** Every advisory file of the four directories, by its path under advisories/. */
export function advisoryFiles(): string[] {
  const list = (directory: string) => readdirSync(new URL(directory, sharedAdvisories));
  return [
    ...['osv-hex/', 'osv-otp/', 'eef-cve-records/'].flatMap((directory) =>
      list(directory)
        .filter((name) => name.endsWith('.json'))
        .map((name) => `${directory}${name}`),
    ),
    ...list('mix-audit-yaml/packages/').flatMap((name) =>
      list(`mix-audit-yaml/packages/${name}/`).map((file) => `mix-audit-yaml/packages/${name}/${file}`),
    ),
  ];
}

/** One advisory file, by its path under advisories/, as the importer parses it. */
export const readAdvisory = (path: string): Vulnerability =>
  parseAdvisory(path, readFileSync(new URL(path, sharedAdvisories), 'utf8'));

/** The package advisory index, as the table holds it: each vulnerability under each package it affects. */
export function packageIndex(vulnerabilities: Vulnerability[]): Map<string, PackageAdvisory[]> {
  const index = new Map<string, PackageAdvisory[]>();
  for (const vulnerability of vulnerabilities) {
    for (const affected of vulnerability.affected) {
      index.set(affected.package, [
        ...(index.get(affected.package) ?? []),
        packageAdvisory(vulnerability, affected),
      ]);
    }
  }
  return index;
}

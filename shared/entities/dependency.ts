import type { Ecosystem } from '../ecosystem.ts';
import { versionSortKey } from '../version-key.ts';
import { encodeKeyPart, type TableKey } from './key-parts.ts';

/**
 * One application loaded by one instance. Stored in the app-environment's partition (so an
 * app-environment's dependencies are one Query) and projected into gsi1 under the package, sorted by
 * version, so "who runs plug < 1.14.2" reads only plug's items and only the versions in range.
 */
export interface DependencyItem extends TableKey {
  gsi1pk: string;
  gsi1sk: string;
  app: string;
  environment: string;
  instance: string;
  name: string;
  version: string;
  ecosystem: Ecosystem;
  started: boolean;
  /** TTL, so that an instance the retirement never reached leaves nothing behind. */
  expires_at: number;
}

export const appEnvironmentPartition = (org: string, app: string, environment: string): string =>
  `ORG#${org}#APPENV#${app}#${environment}`;

export const instanceDependencyPrefix = (instance: string): string => `DEP#${encodeKeyPart(instance)}#`;

export const packagePartition = (org: string, name: string): string => `ORG#${org}#PKG#${name}`;

export const dependencyKey = (
  org: string,
  app: string,
  environment: string,
  instance: string,
  name: string,
): TableKey => ({
  pk: appEnvironmentPartition(org, app, environment),
  sk: `${instanceDependencyPrefix(instance)}${name}`,
});

export interface DependencyState {
  name: string;
  version: string;
  ecosystem: Ecosystem;
  started: boolean;
}

export function dependencyItem(
  org: string,
  app: string,
  environment: string,
  instance: string,
  dependency: DependencyState,
  expiresAt: number,
): DependencyItem {
  return {
    ...dependencyKey(org, app, environment, instance, dependency.name),
    gsi1pk: packagePartition(org, dependency.name),
    gsi1sk: `${versionSortKey(dependency.version)}#${app}#${environment}#${encodeKeyPart(instance)}`,
    app,
    environment,
    instance,
    ...dependency,
    expires_at: expiresAt,
  };
}

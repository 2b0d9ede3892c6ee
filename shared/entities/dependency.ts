import type { Ecosystem } from '../ecosystem.ts';
import { encodeKeyPart, type TableKey } from './key-parts.ts';

/**
 * One application loaded by one instance. Stored in the app-environment's partition, so that an
 * app-environment's dependencies are one Query. Not indexed: lookups read the usage rows that the
 * evaluation derives from these (entities/usage.ts), one per app-environment and version rather than
 * one per instance, so that new instances running the same versions touch no index.
 */
export interface DependencyItem extends TableKey {
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
    app,
    environment,
    instance,
    ...dependency,
    expires_at: expiresAt,
  };
}

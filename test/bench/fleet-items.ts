import type { Vulnerability } from '../../shared/advisories/vulnerability.ts';
import {
  type AppEnvironmentItem,
  appEnvironmentKey,
  appListPartition,
  appListSortKey,
  effectiveClassification,
} from '../../shared/entities/app-environment.ts';
import { type DependencyItem, dependencyItem } from '../../shared/entities/dependency.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import type { TableKey } from '../../shared/entities/key-parts.ts';
import { usageCountKey, usageDriftItem, usageItem } from '../../shared/entities/usage.ts';
import {
  computeFindings,
  diffFindings,
  type PackageAdvisory,
  packageAdvisory,
} from '../../shared/findings.ts';
import { summarizeInstances } from '../../shared/fleet-summary.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { dependenciesExpireAt, type Lifecycle } from '../../shared/instance-status.ts';
import { dependencyStates, inventoryHash, reportedClassification } from '../../shared/inventory.ts';
import { diffUsage, exposureRank, usageRows } from '../../shared/usage.ts';

/**
 * The items that the consumer and the evaluation write for a fleet, built with their own item
 * builders, to be written straight to the table: a fleet of 100,000 app-environments cannot go through
 * the consumer on dynalite in a benchmark's time.
 */
export interface FleetItemOptions {
  org: string;
  lifecycle: Lifecycle;
  /** Heads and dependency items too (what evaluations and the detail view read); else only what lookups,
   *  the apps list and re-matches read. */
  inventory: boolean;
  /** Usage rows, counts and drift copies of these packages only; all packages when absent. */
  packages?: Set<string>;
  /** Findings of this vulnerability, as an evaluation would have written them. */
  vulnerability?: Vulnerability;
}

/** Each app-environment's heartbeats, in fleet order. */
function byAppEnvironment(heartbeats: Heartbeat[]): Heartbeat[][] {
  const groups = new Map<string, Heartbeat[]>();
  for (const heartbeat of heartbeats) {
    const key = `${heartbeat.app}#${heartbeat.environment}`;
    groups.set(key, [...(groups.get(key) ?? []), heartbeat]);
  }
  return [...groups.values()];
}

export function fleetItems(heartbeats: Heartbeat[], options: FleetItemOptions): TableKey[] {
  const { org, lifecycle, vulnerability } = options;
  const seenAt = new Date().toISOString();
  const now = new Date(seenAt);
  const expiresAt = dependenciesExpireAt(seenAt, lifecycle);
  const advisories = new Map<string, PackageAdvisory[]>();
  if (vulnerability) {
    for (const affected of vulnerability.affected) {
      advisories.set(affected.package, [packageAdvisory(vulnerability, affected)]);
    }
  }
  const items: TableKey[] = [];
  const counts = new Map<string, TableKey & Record<string, unknown>>();
  for (const group of byAppEnvironment(heartbeats)) {
    const { app, environment } = group[0]!;
    const reported = reportedClassification(group[0]!);
    const appEnvironment: AppEnvironmentItem = {
      ...appEnvironmentKey(org, app, environment),
      app,
      environment,
      first_seen: seenAt,
      reported_sent_at: group[0]!.sent_at,
      reported,
      overrides: {},
      usage_indexed: true,
    };
    const heads: InstanceItem[] = group.map((h) => ({
      ...instanceKey(org, app, environment, h.instance),
      app,
      environment,
      instance: h.instance,
      sent_at: h.sent_at,
      last_seen: seenAt,
      inventory_hash: inventoryHash(h),
      dependency_count: h.deps.length,
      runtime: h.runtime,
      release: h.release,
      host: h.host,
      dependencies_expire_at: expiresAt,
    }));
    const dependencies: DependencyItem[] = group.flatMap((h) =>
      dependencyStates(h).map((state) => dependencyItem(org, app, environment, h.instance, state, expiresAt)),
    );
    const findings = vulnerability
      ? diffFindings(org, app, environment, [], computeFindings(dependencies, advisories), seenAt).writes
      : [];
    const summary = summarizeInstances(appEnvironment, heads, findings, now, lifecycle);
    const rank = exposureRank(environment, effectiveClassification(appEnvironment));
    const listed: AppEnvironmentItem = {
      ...appEnvironment,
      summary,
      gsi1pk: appListPartition(org),
      gsi1sk: appListSortKey(rank, summary.runtime_findings, app, environment),
    };
    items.push(listed);
    if (options.inventory) items.push(...heads, ...dependencies);
    items.push(...findings);
    const rows = usageRows(
      app,
      environment,
      effectiveClassification(appEnvironment),
      dependencies.filter((d) => !options.packages || options.packages.has(d.name)),
    );
    for (const row of rows) {
      items.push(usageItem(org, row));
      if (row.drift) items.push(usageDriftItem(org, row));
    }
    for (const delta of diffUsage([], rows).deltas) {
      const key = usageCountKey(org, delta.package, delta.version);
      const id = `${key.pk}|${key.sk}`;
      const count = counts.get(id) ?? { ...key, package: delta.package, version: delta.version };
      for (const [field, by] of Object.entries(delta.add))
        count[field] = ((count[field] as number) ?? 0) + by;
      counts.set(id, count);
    }
  }
  return [...items, ...counts.values()];
}

import { type AppEnvironmentItem, effectiveClassification } from './entities/app-environment.ts';
import type { InstanceItem } from './entities/instance.ts';
import type { LatestScanItem } from './entities/scan.ts';
import type { SeverityCounts } from './scan-report.ts';

/** What one organization runs, per app-environment: the basis of the weekly summary and the dashboard. */
export interface AppEnvironmentSummary {
  app: string;
  environment: string;
  internet_facing: boolean;
  handles_pii: boolean;
  urls: string[];
  instances: { running: number; stale: number };
  last_seen: string | null;
  elixir: string[];
  otp: string[];
  scan: SeverityCounts;
}

export interface OrganizationItems {
  appEnvironments: AppEnvironmentItem[];
  instances: InstanceItem[];
  latestScans: LatestScanItem[];
}

const distinct = (values: (string | undefined)[]): string[] =>
  [...new Set(values.filter((value): value is string => value !== undefined))].sort();

/** An instance is stale after three missed heartbeats, and not counted once its retention has passed. */
export function summarizeFleet(
  items: OrganizationItems,
  now: Date,
  heartbeatIntervalSeconds: number,
): AppEnvironmentSummary[] {
  const staleBefore = new Date(now.getTime() - 3 * heartbeatIntervalSeconds * 1000).toISOString();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  return items.appEnvironments
    .map((appEnvironment) => {
      const instances = items.instances.filter(
        (instance) =>
          instance.app === appEnvironment.app &&
          instance.environment === appEnvironment.environment &&
          instance.last_seen !== undefined &&
          (instance.expires_at ?? Number.POSITIVE_INFINITY) > nowSeconds,
      );
      const stale = instances.filter((instance) => instance.last_seen! < staleBefore).length;
      const scan: SeverityCounts = { critical: 0, high: 0, medium: 0, low: 0 };
      for (const latest of items.latestScans.filter((s) => s.app === appEnvironment.app)) {
        for (const severity of Object.keys(scan) as (keyof SeverityCounts)[])
          scan[severity] += latest.counts[severity];
      }
      const classification = effectiveClassification(appEnvironment);
      return {
        app: appEnvironment.app,
        environment: appEnvironment.environment,
        internet_facing: classification.internet_facing,
        handles_pii: classification.handles_pii,
        urls: classification.urls,
        instances: { running: instances.length - stale, stale },
        last_seen: instances.reduce<string | null>(
          (latest, instance) =>
            latest === null || instance.last_seen! > latest ? instance.last_seen! : latest,
          null,
        ),
        elixir: distinct(instances.map((instance) => instance.runtime?.elixir)),
        otp: distinct(instances.map((instance) => instance.runtime?.otp)),
        scan,
      };
    })
    .sort((a, b) => a.app.localeCompare(b.app) || a.environment.localeCompare(b.environment));
}

const flag = (on: boolean, label: string) => (on ? label : '');

/**
 * The weekly summary as plain text. Plain text on purpose: names come from agents and CI and are
 * untrusted, and text cannot carry markup or links that the reader did not see.
 */
export function renderWeeklySummary(
  org: string,
  summaries: AppEnvironmentSummary[],
  dashboardUrl: string,
): string {
  const running = summaries.reduce((sum, s) => sum + s.instances.running, 0);
  const stale = summaries.reduce((sum, s) => sum + s.instances.stale, 0);
  const exposed = summaries.filter((s) => s.internet_facing && (s.scan.critical > 0 || s.scan.high > 0));
  const lines = [
    `Muster weekly summary for ${org}`,
    '',
    `${summaries.length} app-environments, ${running} running instances, ${stale} stale.`,
    `${exposed.length} internet-facing app-environments with critical or high scan findings.`,
    '',
    'app / environment | flags | instances running/stale | Elixir | OTP | scan critical/high/medium/low',
    ...summaries.map((s) =>
      [
        `${s.app} / ${s.environment}`,
        [flag(s.internet_facing, 'internet-facing'), flag(s.handles_pii, 'PII')].filter(Boolean).join(', ') ||
          '-',
        `${s.instances.running}/${s.instances.stale}`,
        s.elixir.join(' ') || '-',
        s.otp.join(' ') || '-',
        `${s.scan.critical}/${s.scan.high}/${s.scan.medium}/${s.scan.low}`,
      ].join(' | '),
    ),
  ];
  if (dashboardUrl) lines.push('', `Dashboard: ${dashboardUrl}`);
  return `${lines.join('\n')}\n`;
}

import type { Severity } from '../../shared/advisories/vulnerability.ts';
import { type AppEnvironmentItem, appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import {
  type AlertEvent,
  type FindingInstance,
  type FindingItem,
  findingKeys,
  type Upgrade,
} from '../../shared/entities/finding.ts';
import { type InstanceItem, instanceKey } from '../../shared/entities/instance.ts';
import { type LatestScanItem, latestScanKey } from '../../shared/entities/scan.ts';
import type { OrganizationItems } from '../../shared/fleet-summary.ts';
import type { Lifecycle } from '../../shared/instance-status.ts';
import type { ScanTool, SeverityCounts } from '../../shared/scan-report.ts';
import { buildWeeklySummary, type WeeklySummary } from '../../shared/weekly-summary.ts';

/**
 * A realistic organization for the weekly summary and its emails, as of Monday 2026-11-30 08:00 UTC
 * (week 2026-W49): seven app-environments of five apps, production and not, internet-facing and
 * internal, with running, stale and stopped instances, findings open, stale, suppressed and fixed,
 * and latest scans recent, old and missing. Names can be swapped for hostile ones.
 */

export const now = new Date('2026-11-30T08:00:00Z');

export const lifecycle: Lifecycle = {
  staleAfterSeconds: 3 * 3600,
  retentionSeconds: 7 * 24 * 3600,
  stoppedRetentionSeconds: 24 * 3600,
};

/** Strings an attacker controlling an agent or a CI upload might send. */
export const hostile = {
  app: '<img src=x onerror=alert(1)>',
  instance: '"><script>window.__injected=1</script>',
  package: '<img src=x onerror=window.__injected=2>',
  summary: '"><script>window.__injected=3</script> Remote code execution in <b>parsers</b>',
  url: 'javascript:window.__injected=4//https://billing.example.com',
};

export interface FleetNames {
  /** The app that runs in production and staging, internet-facing (billing). */
  app: string;
  /** One of its production instances. */
  instance: string;
  /** The package of its critical finding (plug). */
  package: string;
  /** That finding's advisory summary. */
  summary: string;
}

const plainNames: FleetNames = {
  app: 'billing',
  instance: 'billing@web-1',
  package: 'plug',
  summary: 'Header injection in Plug.Conn allows request smuggling',
};

const appEnvironment = (
  app: string,
  environment: string,
  internet_facing: boolean,
  handles_pii: boolean,
  overrides?: AppEnvironmentItem['overrides'],
): AppEnvironmentItem => ({
  ...appEnvironmentKey('acme', app, environment),
  app,
  environment,
  first_seen: '2026-06-01T00:00:00Z',
  reported_sent_at: '2026-11-30T07:00:00Z',
  reported: { internet_facing, handles_pii, urls: internet_facing ? [`https://${app}.example.com`] : [] },
  ...(overrides ? { overrides } : {}),
});

const instance = (
  app: string,
  environment: string,
  name: string,
  last_seen: string,
  runtime: { elixir: string; otp: string },
  stopped_at?: string,
): InstanceItem => ({
  ...instanceKey('acme', app, environment, name),
  app,
  environment,
  instance: name,
  last_seen,
  runtime,
  ...(stopped_at ? { stopped_at } : {}),
});

interface FindingSpec {
  app: string;
  environment: string;
  vulnerability: string;
  severity: Severity | null;
  summary?: string;
  aliases?: string[];
  /** Instance, package and version of each exposed row. */
  rows: [string, string, string][];
  fixed_in?: string | null;
  upgrades?: Upgrade[];
  status?: FindingItem['status'];
  opened_at: string;
  fixed_at?: string;
  suppressedUntil?: string;
}

function finding(spec: FindingSpec): FindingItem {
  const packages = [...new Set(spec.rows.map(([, name]) => name))].sort();
  const fixedIn = spec.fixed_in ?? null;
  const instances: FindingInstance[] = spec.rows.map(([name, pkg, version]) => ({
    instance: name,
    package: pkg,
    version,
    started: true,
    basis: 'application',
    fixed_in: fixedIn,
  }));
  return {
    ...findingKeys('acme', spec.app, spec.environment, spec.vulnerability),
    app: spec.app,
    environment: spec.environment,
    vulnerability: spec.vulnerability,
    aliases: spec.aliases ?? [],
    summary: spec.summary ?? `Flaw ${spec.vulnerability}`,
    severity: spec.severity,
    package: packages[0]!,
    packages,
    ecosystem: 'hex',
    basis: 'application',
    vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
    instances,
    instance_count: new Set(spec.rows.map(([name]) => name)).size,
    fixed_in: fixedIn,
    upgrades: spec.upgrades ?? packages.map((name) => ({ package: name, to: fixedIn, otp_release: null })),
    advisory_revision: 'r1',
    status: spec.status ?? 'open',
    opened_at: spec.opened_at,
    evaluated_at: '2026-11-30T07:00:00Z',
    ...(spec.fixed_at ? { fixed_at: spec.fixed_at } : {}),
    ...(spec.suppressedUntil
      ? {
          suppression: {
            reason: 'not reachable: the endpoint is disabled',
            author: 'sec@acme.example',
            created_at: '2026-10-02T00:00:00Z',
            expires_at: spec.suppressedUntil,
          },
        }
      : {}),
  };
}

const latestScan = (
  app: string,
  tool: ScanTool,
  received_at: string,
  counts: Partial<SeverityCounts>,
): LatestScanItem => ({
  ...latestScanKey('acme', app, tool),
  app,
  commit_sha: 'abc1234',
  tool,
  ref: 'refs/heads/main',
  received_at,
  counts: { critical: 0, high: 0, medium: 0, low: 0, ...counts },
});

const recent = '2026-11-30T07:55:00Z';
const elixir117 = { elixir: '1.17.3', otp: '27.1.2' };
const elixir118 = { elixir: '1.18.0', otp: '28.0' };

export function fleetItems(names: Partial<FleetNames> = {}): OrganizationItems {
  const { app: billing, instance: billingWeb, package: plug, summary } = { ...plainNames, ...names };
  return {
    appEnvironments: [
      // Reported without personal data; an admin's override says otherwise, and wins.
      appEnvironment(billing, 'prod', true, false, { handles_pii: true }),
      appEnvironment(billing, 'staging', true, false),
      appEnvironment('shop', 'prod', true, false),
      appEnvironment('accounts', 'prod', true, true),
      appEnvironment('api', 'prod', true, false),
      appEnvironment('reports', 'prod', false, true),
      appEnvironment('worker', 'staging', false, false),
    ],
    instances: [
      instance(billing, 'prod', billingWeb, recent, elixir117),
      instance(billing, 'prod', 'billing@web-2', recent, elixir117),
      // Silent for twelve hours: stale, still live.
      instance(billing, 'prod', 'billing@web-3', '2026-11-29T20:00:00Z', { elixir: '1.17.3', otp: '26.2.5' }),
      // Said goodbye an hour ago: stopped, live no more.
      instance(
        billing,
        'prod',
        'billing@web-0',
        '2026-11-30T07:00:00Z',
        { elixir: '1.16.0', otp: '26.1' },
        '2026-11-30T07:00:00Z',
      ),
      instance(billing, 'staging', 'billing@staging-1', recent, elixir117),
      instance('shop', 'prod', 'shop@1', recent, elixir118),
      instance('shop', 'prod', 'shop@2', recent, elixir118),
      instance('accounts', 'prod', 'accounts@1', recent, elixir117),
      instance('api', 'prod', 'api@1', recent, elixir118),
      // Every live instance of reports/prod is stale: its agents have gone silent.
      instance('reports', 'prod', 'reports@1', '2026-11-29T08:00:00Z', { elixir: '1.15.8', otp: '25.3' }),
      instance(
        'reports',
        'prod',
        'reports@2',
        '2026-11-30T06:00:00Z',
        { elixir: '1.15.8', otp: '25.3' },
        '2026-11-30T06:00:00Z',
      ),
      instance('worker', 'staging', 'worker@1', recent, { elixir: '1.16.2', otp: '26.2.5' }),
    ],
    findings: [
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'critical',
        summary,
        rows: [
          [billingWeb, plug, '1.16.1'],
          ['billing@web-2', plug, '1.16.1'],
          ['billing@web-3', plug, '1.16.0'],
        ],
        fixed_in: '1.16.2',
        opened_at: '2026-11-27T10:00:00Z',
      }),
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1002',
        severity: 'high',
        summary: 'TLS session resumption bypasses certificate checks',
        rows: [
          [billingWeb, 'ssl', '11.1.4'],
          ['billing@web-2', 'ssl', '11.1.4'],
        ],
        fixed_in: '11.1.5',
        upgrades: [{ package: 'ssl', to: '11.1.5', otp_release: '27.1.3' }],
        opened_at: '2026-10-01T00:00:00Z',
      }),
      // Open, but suppressed until next year: counted nowhere.
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1003',
        severity: 'critical',
        rows: [[billingWeb, 'cowboy', '2.12.0']],
        opened_at: '2026-10-01T00:00:00Z',
        suppressedUntil: '2027-01-01T00:00:00Z',
      }),
      // Open, but only on the stale instance: unconfirmed, counted nowhere.
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1004',
        severity: 'high',
        rows: [['billing@web-3', 'phoenix', '1.7.10']],
        opened_at: '2026-10-01T00:00:00Z',
      }),
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1005',
        severity: 'critical',
        status: 'fixed',
        rows: [[billingWeb, 'ssh', '5.1.4']],
        fixed_in: '5.1.4.12',
        opened_at: '2026-10-01T00:00:00Z',
        fixed_at: '2026-11-29T12:00:00Z',
      }),
      // Fixed ten days ago: not this week.
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1010',
        severity: 'high',
        status: 'fixed',
        rows: [[billingWeb, 'mint', '1.5.0']],
        opened_at: '2026-10-01T00:00:00Z',
        fixed_at: '2026-11-20T12:00:00Z',
      }),
      finding({
        app: billing,
        environment: 'prod',
        vulnerability: 'CVE-2026-1006',
        severity: 'medium',
        rows: [[billingWeb, 'plug_crypto', '2.0.0']],
        fixed_in: '2.1.1',
        opened_at: '2026-11-25T09:00:00Z',
      }),
      finding({
        app: billing,
        environment: 'staging',
        vulnerability: 'CVE-2026-1001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'critical',
        summary,
        rows: [['billing@staging-1', plug, '1.16.1']],
        fixed_in: '1.16.2',
        opened_at: '2026-11-27T10:05:00Z',
      }),
      finding({
        app: 'shop',
        environment: 'prod',
        vulnerability: 'CVE-2026-1002',
        severity: 'high',
        summary: 'TLS session resumption bypasses certificate checks',
        rows: [
          ['shop@1', 'ssl', '11.2'],
          ['shop@2', 'ssl', '11.2'],
        ],
        fixed_in: '11.2.1',
        opened_at: '2026-11-29T03:00:00Z',
      }),
      finding({
        app: 'shop',
        environment: 'prod',
        vulnerability: 'CVE-2026-1007',
        severity: 'high',
        rows: [['shop@1', 'cowlib', '2.13.0']],
        fixed_in: null,
        // Eight days ago: not this week.
        opened_at: '2026-11-22T08:00:00Z',
      }),
      finding({
        app: 'accounts',
        environment: 'prod',
        vulnerability: 'CVE-2026-1007',
        severity: 'high',
        rows: [['accounts@1', 'cowlib', '2.13.0']],
        fixed_in: null,
        opened_at: '2026-11-01T00:00:00Z',
      }),
      finding({
        app: 'accounts',
        environment: 'prod',
        vulnerability: 'CVE-2026-1008',
        severity: 'high',
        rows: [['accounts@1', 'jose', '1.11.5']],
        fixed_in: '1.11.10',
        opened_at: '2026-11-28T00:00:00Z',
      }),
      // On the stale instance of an internal app: not open.
      finding({
        app: 'reports',
        environment: 'prod',
        vulnerability: 'CVE-2026-1001',
        severity: 'critical',
        summary,
        rows: [['reports@1', plug, '1.15.0']],
        fixed_in: '1.16.2',
        opened_at: '2026-11-27T10:00:00Z',
      }),
      finding({
        app: 'worker',
        environment: 'staging',
        vulnerability: 'CVE-2026-1009',
        severity: 'critical',
        rows: [['worker@1', 'jason', '1.4.0']],
        fixed_in: '1.4.4',
        opened_at: '2026-11-28T12:00:00Z',
      }),
    ],
    latestScans: [
      latestScan(billing, 'sobelow', '2026-11-28T00:00:00Z', { high: 1, medium: 2 }),
      latestScan(billing, 'mix_audit', '2026-11-20T00:00:00Z', { low: 1 }),
      latestScan('accounts', 'sobelow', '2026-11-01T00:00:00Z', {}),
      latestScan('api', 'mix_audit', '2026-11-29T00:00:00Z', { critical: 1 }),
    ],
  };
}

/** Publication times of the advisories of the fleet's findings. */
export const published = new Map<string, string | null>([
  ['CVE-2026-1001', '2026-11-26T12:00:00Z'],
  ['CVE-2026-1002', '2026-09-01T00:00:00Z'],
  ['CVE-2026-1003', '2026-11-29T00:00:00Z'],
  ['CVE-2026-1004', '2026-11-29T00:00:00Z'],
  ['CVE-2026-1007', null],
  ['CVE-2026-1008', '2026-11-20T00:00:00Z'],
  ['CVE-2026-1009', '2026-11-28T00:00:00Z'],
]);

export const weeklySummaryOf = (names: Partial<FleetNames> = {}): WeeklySummary =>
  buildWeeklySummary({ org: 'acme', week: '2026-W49', now, items: fleetItems(names), lifecycle, published });

/** The summary of an organization that reports nothing yet. */
export const emptySummary = (): WeeklySummary =>
  buildWeeklySummary({
    org: 'acme',
    week: '2026-W49',
    now,
    items: { appEnvironments: [], instances: [], latestScans: [], findings: [] },
    lifecycle,
    published: new Map(),
  });

/** An alert of a new critical finding on billing/prod, of a package loaded on more instances than listed. */
export function alertEvent(
  names: Partial<FleetNames & { url: string }> = {},
  overrides: Partial<AlertEvent> = {},
): AlertEvent {
  const { app, instance: web, package: pkg, summary } = { ...plainNames, ...names };
  return {
    id: `acme/${app}/prod/CVE-2026-1001/2026-11-27T10:00:00Z`,
    type: 'finding.opened',
    org: 'acme',
    app,
    environment: 'prod',
    vulnerability: 'CVE-2026-1001',
    aliases: ['GHSA-aaaa-bbbb-cccc'],
    severity: 'critical',
    summary,
    package: pkg,
    packages: [pkg],
    basis: 'application',
    vulnerable_code: {
      modules: ['Plug.Conn'],
      functions: ['Plug.Conn.put_resp_header/3'],
      files: ['lib/plug/conn.ex'],
      conditions: ['when headers are taken from user input'],
    },
    instances: [
      {
        instance: web,
        package: pkg,
        version: '1.16.1',
        started: true,
        basis: 'application',
        fixed_in: '1.16.2',
      },
      {
        instance: 'billing@web-2',
        package: pkg,
        version: '1.16.1',
        started: false,
        basis: 'application',
        fixed_in: '1.16.2',
      },
    ],
    instance_count: 5,
    fixed_in: '1.16.2',
    advice: `upgrade ${pkg} to 1.16.2`,
    urls: [names.url ?? 'https://billing.example.com', 'https://api.billing.example.com/v1'],
    handles_pii: true,
    opened_at: '2026-11-27T10:00:00Z',
    ...overrides,
  };
}

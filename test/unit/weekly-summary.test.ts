import { describe, expect, it } from 'vitest';
import { buildWeeklySummary, isoWeek } from '../../shared/weekly-summary.ts';
import {
  emptySummary,
  fleetItems,
  lifecycle,
  now,
  published,
  weeklySummaryOf,
} from '../support/email-fleet.ts';

describe('isoWeek', () => {
  it.each([
    ['2026-11-30T08:00:00Z', '2026-W49'],
    // 2026 starts on a Thursday: its first week holds 1 January, and it has 53 weeks.
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2025-12-29T00:00:00Z', '2026-W01'],
    ['2027-01-01T12:00:00Z', '2026-W53'],
    ['2027-01-03T23:59:59Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    // A Monday in December can open the next year's first week.
    ['2024-12-30T00:00:00Z', '2025-W01'],
    // A Sunday in January can close the previous year's last week.
    ['2021-01-03T00:00:00Z', '2020-W53'],
    ['2022-01-02T00:00:00Z', '2021-W52'],
    // Weeks are read in UTC: 23:30 in New York on Sunday is Monday in UTC.
    ['2026-11-29T23:30:00-05:00', '2026-W49'],
    ['2026-11-29T23:59:59Z', '2026-W48'],
  ])('%s is in %s', (time, week) => {
    expect(isoWeek(new Date(time))).toBe(week);
  });
});

describe('buildWeeklySummary', () => {
  const summary = weeklySummaryOf();

  it('names the organization, the week and when it was made', () => {
    expect(summary).toMatchObject({
      org: 'acme',
      week: '2026-W49',
      generated_at: '2026-11-30T08:00:00.000Z',
      scan_stale_after_days: 14,
    });
  });

  it('totals the fleet: live instances, internet-facing critical and high findings, changes of the week', () => {
    expect(summary.totals).toEqual({
      app_environments: 7,
      // Stopped instances (billing@web-0, reports@2) are not live.
      instances: { running: 8, stale: 2 },
      // Runtime: billing/prod 1 critical 1 high, billing/staging 1 critical, shop/prod 2 high,
      // accounts/prod 2 high. Scans once per app: billing 1 high (not once per environment), api 1 critical.
      internet_facing: { critical: 3, high: 6 },
      opened: 7,
      fixed: 1,
    });
  });

  it('lists internet-facing app-environments with critical or high findings: production, critical, high, PII, name', () => {
    expect(
      summary.needs_action.map(({ app, environment, flags, reason, runtime }) => ({
        place: `${app}/${environment}`,
        flags,
        reason,
        runtime,
      })),
    ).toEqual([
      {
        place: 'billing/prod',
        flags: { internet_facing: true, handles_pii: true, production: true },
        reason: 'internet-facing, 1 critical, 1 high; latest scans: 1 high',
        runtime: { critical: 1, high: 1 },
      },
      {
        // A critical finding from its scans alone.
        place: 'api/prod',
        flags: { internet_facing: true, handles_pii: false, production: true },
        reason: 'internet-facing; latest scans: 1 critical',
        runtime: { critical: 0, high: 0 },
      },
      {
        // As many high findings as shop/prod, but it holds personal data.
        place: 'accounts/prod',
        flags: { internet_facing: true, handles_pii: true, production: true },
        reason: 'internet-facing, 2 high',
        runtime: { critical: 0, high: 2 },
      },
      {
        place: 'shop/prod',
        flags: { internet_facing: true, handles_pii: false, production: true },
        reason: 'internet-facing, 2 high',
        runtime: { critical: 0, high: 2 },
      },
      {
        place: 'billing/staging',
        flags: { internet_facing: true, handles_pii: false, production: false },
        reason: 'internet-facing, 1 critical; latest scans: 1 high',
        runtime: { critical: 1, high: 0 },
      },
    ]);
  });

  it('gives each app-environment its open critical and high findings, with versions, fix and advice', () => {
    const billing = summary.needs_action[0]!;
    // Not the suppressed CVE-2026-1003, the stale CVE-2026-1004, the fixed CVE-2026-1005 or the medium CVE-2026-1006.
    expect(billing.findings).toEqual([
      {
        vulnerability: 'CVE-2026-1001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'critical',
        summary: 'Header injection in Plug.Conn allows request smuggling',
        packages: [{ package: 'plug', versions: ['1.16.0', '1.16.1'] }],
        instance_count: 3,
        fixed_in: '1.16.2',
        upgrades: [{ package: 'plug', to: '1.16.2', otp_release: null }],
        advice: 'upgrade plug to 1.16.2',
      },
      {
        vulnerability: 'CVE-2026-1002',
        aliases: [],
        severity: 'high',
        summary: 'TLS session resumption bypasses certificate checks',
        packages: [{ package: 'ssl', versions: ['11.1.4'] }],
        instance_count: 2,
        fixed_in: '11.1.5',
        upgrades: [{ package: 'ssl', to: '11.1.5', otp_release: '27.1.3' }],
        advice: 'upgrade ssl to 11.1.5, shipped in OTP 27.1.3',
      },
    ]);
    expect(billing.scan).toEqual({ critical: 0, high: 1, medium: 2, low: 1 });
    const shop = summary.needs_action.find((entry) => entry.app === 'shop')!;
    expect(shop.findings.map((finding) => [finding.vulnerability, finding.fixed_in, finding.advice])).toEqual(
      [
        ['CVE-2026-1002', '11.2.1', 'upgrade ssl to 11.2.1'],
        ['CVE-2026-1007', null, 'no fixed version of cowlib is known'],
      ],
    );
    expect(summary.needs_action.find((entry) => entry.app === 'api')!.findings).toEqual([]);
  });

  it('leaves out internal app-environments, however severe their findings', () => {
    expect(summary.needs_action.map((entry) => entry.app)).not.toContain('worker');
    expect(summary.needs_action.map((entry) => entry.app)).not.toContain('reports');
  });

  it('lists the findings opened and fixed in the seven days before now, worst first, production first', () => {
    expect(summary.opened[0]).toEqual({
      app: 'billing',
      environment: 'prod',
      vulnerability: 'CVE-2026-1001',
      severity: 'critical',
      packages: ['plug'],
      at: '2026-11-27T10:00:00Z',
    });
    // Opened this week whatever it is now: reports/prod's finding went stale since. Not shop/prod's
    // CVE-2026-1007, opened eight days ago, nor the findings opened in October.
    expect(
      summary.opened.map((change) => `${change.app}/${change.environment} ${change.vulnerability}`),
    ).toEqual([
      'billing/prod CVE-2026-1001',
      'reports/prod CVE-2026-1001',
      'billing/staging CVE-2026-1001',
      'worker/staging CVE-2026-1009',
      'accounts/prod CVE-2026-1008',
      'shop/prod CVE-2026-1002',
      'billing/prod CVE-2026-1006',
    ]);
    // Not CVE-2026-1010, fixed ten days ago.
    expect(summary.fixed).toEqual([
      {
        app: 'billing',
        environment: 'prod',
        vulnerability: 'CVE-2026-1005',
        severity: 'critical',
        packages: ['ssh'],
        at: '2026-11-29T12:00:00Z',
      },
    ]);
  });

  it('lists the advisories published this week that open findings match, with their reach', () => {
    // Not CVE-2026-1003 (suppressed) or CVE-2026-1004 (stale), though published this week; not
    // CVE-2026-1008, published ten days ago; reports/prod's stale finding does not count.
    expect(summary.new_advisories).toEqual([
      {
        vulnerability: 'CVE-2026-1001',
        aliases: ['GHSA-aaaa-bbbb-cccc'],
        severity: 'critical',
        summary: 'Header injection in Plug.Conn allows request smuggling',
        published: '2026-11-26T12:00:00Z',
        app_environments: 2,
        instances: 4,
      },
      {
        vulnerability: 'CVE-2026-1009',
        aliases: [],
        severity: 'critical',
        summary: 'Flaw CVE-2026-1009',
        published: '2026-11-28T00:00:00Z',
        app_environments: 1,
        instances: 1,
      },
    ]);
  });

  it('lists what Muster could not check: silent agents, internet-facing apps not scanned lately', () => {
    expect(summary.not_checked).toEqual({
      // billing/prod has a stale instance too, but others still report.
      silent: [{ app: 'reports', environment: 'prod', last_seen: '2026-11-29T08:00:00Z' }],
      unscanned: [
        { app: 'accounts', environments: ['prod'], last_scan_at: '2026-11-01T00:00:00Z', age_days: 29 },
        { app: 'shop', environments: ['prod'], last_scan_at: null, age_days: null },
      ],
    });
  });

  it('reads a scan as stale after the days given', () => {
    const strict = buildWeeklySummary({
      org: 'acme',
      week: '2026-W49',
      now,
      items: fleetItems(),
      lifecycle,
      published,
      scanStaleAfterDays: 1,
    });
    expect(strict.scan_stale_after_days).toBe(1);
    expect(
      strict.not_checked.unscanned.map((entry) => [entry.app, entry.environments, entry.age_days]),
    ).toEqual([
      ['accounts', ['prod'], 29],
      // Scanned 31 hours ago: a whole day and some.
      ['api', ['prod'], 1],
      ['billing', ['prod', 'staging'], 2],
      ['shop', ['prod'], null],
    ]);
  });

  it('counts the live instances of each Elixir and OTP release, most used first', () => {
    expect(summary.runtimes).toEqual({
      elixir: [
        { version: '1.17.3', instances: 5 },
        { version: '1.18.0', instances: 3 },
        { version: '1.15.8', instances: 1 },
        { version: '1.16.2', instances: 1 },
      ],
      otp: [
        { version: '27.1.2', instances: 4 },
        { version: '28.0', instances: 3 },
        { version: '26.2.5', instances: 2 },
        { version: '25.3', instances: 1 },
      ],
    });
  });

  it('says nothing needs action for an empty organization', () => {
    const empty = emptySummary();
    expect(empty.totals).toEqual({
      app_environments: 0,
      instances: { running: 0, stale: 0 },
      internet_facing: { critical: 0, high: 0 },
      opened: 0,
      fixed: 0,
    });
    expect(empty.needs_action).toEqual([]);
    expect(empty.not_checked).toEqual({ silent: [], unscanned: [] });
    expect(empty.runtimes).toEqual({ elixir: [], otp: [] });
  });
});

import type { AppEnvironmentSummary } from './fleet-summary.ts';

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
  const exposed = summaries.filter(
    (s) => s.internet_facing && (s.vulnerabilities.scan.critical > 0 || s.vulnerabilities.scan.high > 0),
  );
  const lines = [
    `Muster weekly summary for ${org}`,
    '',
    `${summaries.length} app-environments, ${running} running instances, ${stale} stale.`,
    `${exposed.length} internet-facing app-environments with critical or high scan findings.`,
    '',
    'app / environment | flags | instances running/stale | Elixir | OTP | scan critical/high/medium/low',
    ...summaries.map((s) => {
      const { critical, high, medium, low } = s.vulnerabilities.scan;
      return [
        `${s.app} / ${s.environment}`,
        [flag(s.internet_facing, 'internet-facing'), flag(s.handles_pii, 'PII')].filter(Boolean).join(', ') ||
          '-',
        `${s.instances.running}/${s.instances.stale}`,
        s.runtime.elixir.join(' ') || '-',
        s.runtime.otp.join(' ') || '-',
        `${critical}/${high}/${medium}/${low}`,
      ].join(' | ');
    }),
  ];
  if (dashboardUrl) lines.push('', `Dashboard: ${dashboardUrl}`);
  return `${lines.join('\n')}\n`;
}

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
  const severe = (counts: { critical: number; high: number }) => counts.critical > 0 || counts.high > 0;
  const exposed = summaries.filter(
    (s) => s.internet_facing && (severe(s.vulnerabilities.runtime) || severe(s.vulnerabilities.scan)),
  );
  const lines = [
    `Muster weekly summary for ${org}`,
    '',
    `${summaries.length} app-environments, ${running} running instances, ${stale} stale.`,
    `${exposed.length} internet-facing app-environments with critical or high vulnerabilities.`,
    '',
    'app / environment | flags | instances running/stale | Elixir | OTP | running critical/high/medium/low | scan critical/high/medium/low',
    ...summaries.map((s) => {
      const counts = ({ critical, high, medium, low }: AppEnvironmentSummary['vulnerabilities']['scan']) =>
        `${critical}/${high}/${medium}/${low}`;
      return [
        `${s.app} / ${s.environment}`,
        [flag(s.internet_facing, 'internet-facing'), flag(s.handles_pii, 'PII')].filter(Boolean).join(', ') ||
          '-',
        `${s.instances.running}/${s.instances.stale}`,
        s.runtime.elixir.join(' ') || '-',
        s.runtime.otp.join(' ') || '-',
        counts(s.vulnerabilities.runtime),
        counts(s.vulnerabilities.scan),
      ].join(' | ');
    }),
  ];
  if (dashboardUrl) lines.push('', `Dashboard: ${dashboardUrl}`);
  return `${lines.join('\n')}\n`;
}

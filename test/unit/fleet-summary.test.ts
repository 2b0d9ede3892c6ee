import { describe, expect, it } from 'vitest';
import { appEnvironmentKey } from '../../shared/entities/app-environment.ts';
import { type FindingItem, findingKeys } from '../../shared/entities/finding.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { summarizeFleet } from '../../shared/fleet-summary.ts';

const now = new Date('2026-11-30T08:00:00Z');

function finding(
  vulnerability: string,
  packages: string[],
  severity: FindingItem['severity'],
  status: FindingItem['status'],
  suppressedUntil?: string,
  instance = 'w1',
): FindingItem {
  return {
    ...findingKeys('acme', 'billing', 'prod', vulnerability),
    app: 'billing',
    environment: 'prod',
    vulnerability,
    aliases: [],
    summary: '',
    severity,
    package: packages[0]!,
    packages,
    ecosystem: 'hex',
    basis: 'application',
    vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
    instances: packages.map((name) => ({
      instance,
      package: name,
      version: '1.0.0',
      started: true,
      basis: 'application' as const,
      fixed_in: null,
    })),
    instance_count: 1,
    fixed_in: null,
    upgrades: packages.map((name) => ({ package: name, to: null, otp_release: null })),
    advisory_revision: 'r1',
    status,
    opened_at: '2026-11-01T00:00:00Z',
    evaluated_at: '2026-11-01T00:00:00Z',
    ...(suppressedUntil
      ? {
          suppression: {
            reason: 'r',
            author: 'a',
            created_at: '2026-10-01T00:00:00Z',
            expires_at: suppressedUntil,
          },
        }
      : {}),
  };
}
const lifecycle = {
  staleAfterSeconds: 3 * 3600,
  retentionSeconds: 7 * 24 * 3600,
  stoppedRetentionSeconds: 24 * 3600,
};

const items = {
  appEnvironments: [
    {
      ...appEnvironmentKey('acme', 'billing', 'prod'),
      app: 'billing',
      environment: 'prod',
      first_seen: '2026-11-01T00:00:00Z',
      reported_sent_at: '2026-11-30T07:00:00Z',
      reported: { internet_facing: true, handles_pii: false, urls: ['https://billing.example.com'] },
      overrides: { handles_pii: true },
    },
  ],
  instances: [
    {
      ...instanceKey('acme', 'billing', 'prod', 'w1'),
      app: 'billing',
      environment: 'prod',
      instance: 'w1',
      last_seen: '2026-11-30T07:30:00Z',
      runtime: { otp: '27.1.2', elixir: '1.17.3' },
    },
    {
      ...instanceKey('acme', 'billing', 'prod', 'w2'),
      app: 'billing',
      environment: 'prod',
      instance: 'w2',
      last_seen: '2026-11-29T07:30:00Z',
      runtime: { otp: '26.2.5', elixir: '1.17.3' },
    },
    {
      ...instanceKey('acme', 'billing', 'prod', 'w3'),
      app: 'billing',
      environment: 'prod',
      instance: 'w3',
      last_seen: '2026-11-20T07:30:00Z',
    },
    {
      ...instanceKey('acme', 'billing', 'prod', 'w4'),
      app: 'billing',
      environment: 'prod',
      instance: 'w4',
      last_seen: '2026-11-30T07:45:00Z',
      stopped_at: '2026-11-30T07:45:00Z',
      runtime: { otp: '25.3', elixir: '1.14.0' },
    },
  ],
  findings: [
    finding('CVE-1', ['plug', 'plug_crypto'], 'high', 'open'),
    finding('CVE-2', ['ssl'], 'critical', 'fixed'),
    finding('CVE-3', ['ssh'], 'critical', 'open', '2026-12-30T00:00:00Z'),
    finding('CVE-4', ['phoenix'], 'medium', 'open', '2026-11-01T00:00:00Z'),
    finding('CVE-5', ['cowlib'], 'critical', 'open', undefined, 'w2'),
  ],
  latestScans: [
    {
      pk: 'ORG#acme',
      sk: 'SCAN#billing#sobelow',
      app: 'billing',
      commit_sha: 'abc1234',
      tool: 'sobelow' as const,
      received_at: '2026-11-29T00:00:00Z',
      counts: { critical: 0, high: 2, medium: 1, low: 5 },
    },
  ],
};

describe('summarizeFleet', () => {
  const [billing] = summarizeFleet(items, now, lifecycle);

  it('counts running, stale and stopped instances, and leaves out expired ones', () => {
    expect(billing!.instances).toEqual({ running: 1, stale: 1, stopped: 1 });
  });

  it('takes last seen and runtimes from live instances only, not from one that stopped', () => {
    expect(billing!.last_seen).toBe('2026-11-30T07:30:00Z');
    expect(billing!.runtime.elixir).toEqual(['1.17.3']);
  });

  it('applies overrides over what agents reported', () => {
    expect(billing).toMatchObject({ internet_facing: true, handles_pii: true });
  });

  it('counts open runtime vulnerabilities once each, leaving out fixed ones and active suppressions', () => {
    // CVE-1 (two packages) counts once; CVE-2 is fixed; CVE-3 is suppressed; CVE-4's suppression
    // expired; CVE-5's only exposed instance is stale, so the finding is stale and not counted.
    expect(billing!.vulnerabilities.runtime).toEqual({ critical: 0, high: 1, medium: 1, low: 0 });
  });

  it('lists runtime versions and scan counts', () => {
    expect(billing!.runtime.otp).toEqual(['26.2.5', '27.1.2']);
    expect(billing!.vulnerabilities.scan.high).toBe(2);
  });
});

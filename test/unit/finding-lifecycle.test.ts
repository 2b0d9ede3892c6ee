import { describe, expect, it } from 'vitest';
import { type DependencyItem, dependencyItem } from '../../shared/entities/dependency.ts';
import { type FindingItem, findingKeys } from '../../shared/entities/finding.ts';
import {
  type ComputedFinding,
  computeFindings,
  diffFindings,
  type PackageAdvisory,
} from '../../shared/findings.ts';

/** How an evaluation moves stored findings to what it computed: one finding per flaw, whatever came before. */

const evaluatedAt = '2026-12-02T10:00:00.000Z';

const computed = (overrides: Partial<ComputedFinding> = {}): ComputedFinding => ({
  vulnerability: 'CVE-2026-43970',
  aliases: ['EEF-CVE-2026-43970', 'GHSA-84f2-rp86-235p'],
  summary: 'Decompression Bomb in cow_spdy:inflate/2',
  severity: 'high',
  package: 'cowlib',
  packages: ['cowlib'],
  ecosystem: 'hex',
  basis: 'application',
  vulnerable_code: { modules: ['cow_spdy'], functions: ['cow_spdy:inflate/2'], files: [], conditions: [] },
  instances: [
    {
      instance: 'web-1',
      package: 'cowlib',
      version: '2.13.0',
      started: true,
      basis: 'application',
      fixed_in: '2.16.1',
    },
  ],
  instance_count: 1,
  fixed_in: '2.16.1',
  upgrades: [{ package: 'cowlib', to: '2.16.1', otp_release: null }],
  advisory_revision: 'r1',
  ...overrides,
});

const stored = (finding: ComputedFinding, overrides: Partial<FindingItem> = {}): FindingItem => ({
  ...findingKeys('acme', 'billing', 'prod', finding.vulnerability),
  app: 'billing',
  environment: 'prod',
  ...finding,
  status: 'open',
  opened_at: '2026-11-01T00:00:00.000Z',
  evaluated_at: '2026-11-01T00:00:00.000Z',
  ...overrides,
});

const diff = (before: FindingItem[], after: ComputedFinding[]) =>
  diffFindings('acme', 'billing', 'prod', before, after, evaluatedAt);

describe('diffFindings', () => {
  it('writes nothing for a finding that has not changed', () => {
    expect(diff([stored(computed())], [computed()])).toEqual({ writes: [], deletes: [], opened: [] });
  });

  it('keeps one finding when the flaw is found under a new id, with its history and suppression, and raises no alert', () => {
    const suppression = {
      reason: 'SPDY is off',
      author: 'ana@acme.example',
      created_at: '2026-11-02T00:00:00.000Z',
      expires_at: '2027-01-01T00:00:00.000Z',
    };
    // Stored while mix_audit's copy stood apart under its GHSA id.
    const before = stored(computed({ vulnerability: 'GHSA-84f2-rp86-235p', aliases: [] }), { suppression });
    const { writes, deletes, opened } = diff([before], [computed()]);
    expect(opened).toEqual([]);
    expect(writes).toEqual([
      expect.objectContaining({
        sk: 'FINDING#billing#prod#CVE-2026-43970',
        status: 'open',
        opened_at: '2026-11-01T00:00:00.000Z',
        suppression,
      }),
    ]);
    expect(deletes).toEqual([{ pk: 'ORG#acme', sk: 'FINDING#billing#prod#GHSA-84f2-rp86-235p' }]);
  });

  it('replaces findings stored one per package by one finding of the flaw', () => {
    const otpFlaw = computed({
      vulnerability: 'CVE-2026-32144',
      aliases: [],
      package: 'public_key',
      packages: ['public_key', 'ssl'],
    });
    const perPackage = ['public_key', 'ssl'].map((name) =>
      stored(otpFlaw, {
        sk: `FINDING#billing#prod#CVE-2026-32144#${name}`,
        package: name,
        opened_at: name === 'ssl' ? '2026-10-01T00:00:00.000Z' : '2026-11-01T00:00:00.000Z',
      }),
    );
    const { writes, deletes, opened } = diff(perPackage, [otpFlaw]);
    expect(opened).toEqual([]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      sk: 'FINDING#billing#prod#CVE-2026-32144',
      packages: ['public_key', 'ssl'],
      opened_at: '2026-10-01T00:00:00.000Z',
    });
    expect(deletes.map((key) => key.sk)).toEqual([
      'FINDING#billing#prod#CVE-2026-32144#public_key',
      'FINDING#billing#prod#CVE-2026-32144#ssl',
    ]);
  });

  it('fixes a finding no instance is exposed to any more, once, and opens it again when it returns', () => {
    const { writes } = diff([stored(computed())], []);
    expect(writes).toEqual([expect.objectContaining({ status: 'fixed', fixed_at: evaluatedAt })]);
    expect(diff(writes, [])).toEqual({ writes: [], deletes: [], opened: [] });
    const reopened = diff(writes, [computed()]);
    expect(reopened.opened).toEqual([expect.objectContaining({ status: 'open', opened_at: evaluatedAt })]);
  });

  it('keeps an alert not yet delivered in the outbox when the finding is rewritten or fixed', () => {
    const alert = { id: 'acme/billing/prod/CVE-2026-43970/2026-11-01T00:00:00.000Z', event: {} as never };
    const before = stored(computed(), { alert });
    const changed = diff([before], [computed({ fixed_in: '2.16.2' })]);
    expect(changed.writes).toEqual([expect.objectContaining({ alert, fixed_in: '2.16.2' })]);
    const fixed = diff([before], []);
    expect(fixed.writes).toEqual([expect.objectContaining({ alert, status: 'fixed' })]);
  });
});

describe('computeFindings', () => {
  const plug = (instance: string, version: string): DependencyItem =>
    dependencyItem(
      'acme',
      'billing',
      'prod',
      instance,
      { name: 'plug', version, ecosystem: 'hex', started: true },
      0,
    );
  const advisories = new Map<string, PackageAdvisory[]>([
    [
      'plug',
      [
        {
          vulnerability: 'CVE-2026-0001',
          aliases: [],
          summary: 'a flaw in plug',
          severity: 'high',
          packages: ['plug'],
          conditions: [],
          revision: 'r1',
          affected: {
            package: 'plug',
            ecosystem: 'hex',
            ranges: [{ type: 'events', events: [{ introduced: '0' }, { fixed: '1.16.2' }] }],
            versions: [],
            fixed: ['1.16.2'],
            modules: [],
            functions: [],
            files: [],
          },
        },
      ],
    ],
  ]);

  it('lists at most 100 instances, running ones first, and counts them all', () => {
    const name = (i: number) => `web-${String(i).padStart(4, '0')}`;
    const dependencies = Array.from({ length: 5000 }, (_, i) =>
      plug(name(i), i % 2 === 0 ? '1.16.1' : '1.16.2'),
    );
    // The first 1,000 instances went silent: they are live but stale.
    const running = new Set(Array.from({ length: 4000 }, (_, i) => name(i + 1000)));
    const [finding] = computeFindings(dependencies, advisories, running);
    expect(finding!.instance_count).toBe(2500);
    expect(finding!.instances).toHaveLength(100);
    expect(finding!.instances.every((row) => running.has(row.instance))).toBe(true);
    expect(finding!.instances[0]!.instance).toBe('web-1000');
    expect(finding!.fixed_in).toBe('1.16.2');
    expect(JSON.stringify(finding).length).toBeLessThan(32 * 1024);
  });
});

import { describe, expect, it } from 'vitest';
import { type FindingItem, findingKeys } from '../../shared/entities/finding.ts';
import { type ComputedFinding, diffFindings } from '../../shared/findings.ts';

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
  fixed_in: '2.16.1',
  upgrades: [{ package: 'cowlib', to: '2.16.1', otp_release: null }],
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
});

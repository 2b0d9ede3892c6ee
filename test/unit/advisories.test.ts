import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { affects, candidateRanges, sameRanges, upgradeTo } from '../../shared/advisories/affected.ts';
import { mergeInto, mergeVulnerabilities } from '../../shared/advisories/merge.ts';
import { AdvisoryFormatError, parseAdvisory } from '../../shared/advisories/parse.ts';
import type { AffectedPackage, Vulnerability } from '../../shared/advisories/vulnerability.ts';
import { parseRange } from '../../shared/versions/requirement.ts';
import { VersionMatcher } from '../../shared/versions/version-matcher.ts';
import {
  advisoryFiles,
  haveSharedAdvisories,
  readAdvisory,
  sharedAdvisories,
} from '../support/shared-advisories.ts';

const packageOf = (vulnerability: Vulnerability, name: string): AffectedPackage => {
  const found = vulnerability.affected.find((affected) => affected.package === name);
  if (!found) throw new Error(`${vulnerability.id} does not affect ${name}`);
  return found;
};

/** Whether some candidate range holds a version, read as a lookup by range reads it. */
function candidates(affected: AffectedPackage): (version: string) => boolean {
  const ranges = candidateRanges(affected);
  const scheme = affected.ecosystem === 'otp' ? 'otp' : 'elixir';
  const matchers = (ranges ?? []).map((range) => new VersionMatcher(parseRange(range)!, scheme));
  return (version) => ranges === null || matchers.some((matcher) => matcher.matches(version));
}

const hex = (overrides: Partial<AffectedPackage>): AffectedPackage => ({
  ecosystem: 'hex',
  package: 'example',
  ranges: [],
  versions: [],
  fixed: [],
  functions: [],
  modules: [],
  files: [],
  ...overrides,
});

describe('matching versions against affected ranges', () => {
  it('follows the OSV evaluation: introduced 0, fixed, last_affected and limit', () => {
    const fixed = hex({ ranges: [{ type: 'events', events: [{ fixed: '1.2.0' }, { introduced: '0' }] }] });
    expect(affects(fixed, '0.0.1')).toBe(true);
    expect(affects(fixed, '1.2.0-rc.1')).toBe(true);
    expect(affects(fixed, '1.2.0')).toBe(false);
    const lastAffected = hex({
      ranges: [{ type: 'events', events: [{ introduced: '1.0.0' }, { last_affected: '1.1.0' }] }],
    });
    expect(affects(lastAffected, '1.1.0')).toBe(true);
    expect(affects(lastAffected, '1.1.1')).toBe(false);
    expect(affects(lastAffected, '0.9.0')).toBe(false);
    const limited = hex({
      ranges: [{ type: 'events', events: [{ introduced: '1.0.0' }, { limit: '2.0.0' }] }],
    });
    expect(affects(limited, '1.9.9')).toBe(true);
    expect(affects(limited, '2.0.0')).toBe(false);
  });

  it('flags listed versions by name, and by equal value under the scheme', () => {
    const listed = hex({ versions: ['1.0.0', 'not-a-version'] });
    expect(affects(listed, 'not-a-version')).toBe(true);
    expect(affects(listed, '1.0.0+build.1')).toBe(true);
    expect(affects(listed, '1.0.1')).toBe(false);
    expect(affects({ ...listed, ecosystem: 'otp', versions: ['27.3'] }, '27.3.0')).toBe(true);
  });

  it('never flags a version that does not parse through a range', () => {
    expect(affects(hex({ ranges: [{ type: 'events', events: [{ introduced: '0' }] }] }), 'latest')).toBe(
      false,
    );
  });

  it('widens a range whose bound cannot be read, rather than missing vulnerable versions', () => {
    // CVE-2026-59250 starts the OTP release range at R13B03, an OTP name from before numbered releases.
    const otp: AffectedPackage = {
      ...hex({}),
      ecosystem: 'otp',
      package: 'otp',
      ranges: [{ type: 'branches', introduced: 'R13B03', lessThan: '*', unaffectedAt: ['27.3.4.15'] }],
    };
    expect(affects(otp, '17.0')).toBe(true);
    expect(candidateRanges(otp)).toEqual(['< 27.3.4.15']);
  });

  it('lists every version a requirement or a listed version selects among the candidate ranges', () => {
    const affected = hex({
      ranges: [{ type: 'requirement', range: '>= 1.3.0, < 1.3.2' }],
      versions: ['0.9.0'],
    });
    expect(candidateRanges(affected)).toEqual(['>= 1.3.0, < 1.3.2', '= 0.9.0']);
    expect(candidateRanges(hex({ versions: ['weird'] }))).toBeNull();
    expect(candidateRanges(hex({ ranges: [{ type: 'events', events: [{ introduced: '0' }] }] }))).toBeNull();
  });
});

describe('ranges that admit the same versions', () => {
  it('reads a GitHub range and OSV events alike, and tells open ends from closed ones', () => {
    const events = hex({
      ranges: [{ type: 'events', events: [{ introduced: '0.1.0' }, { fixed: '2.16.1' }] }],
    });
    expect(sameRanges(events, hex({ ranges: [{ type: 'requirement', range: '>= 0.1.0, < 2.16.1' }] }))).toBe(
      true,
    );
    expect(sameRanges(events, hex({ ranges: [{ type: 'requirement', range: '>= 0.1.0, <= 2.16.1' }] }))).toBe(
      false,
    );
    expect(sameRanges(events, hex({ ranges: [{ type: 'requirement', range: '> 0.1.0, < 2.16.1' }] }))).toBe(
      false,
    );
    const open = hex({
      ranges: [{ type: 'events', events: [{ introduced: '0' }, { last_affected: '1.0.0' }] }],
    });
    expect(sameRanges(open, hex({ ranges: [{ type: 'requirement', range: '<= 1.0.0' }] }))).toBe(true);
    // Unreadable or empty ranges agree with nothing, not even each other.
    const unreadable = hex({ ranges: [{ type: 'requirement', range: '!= 1.0.0' }] });
    expect(sameRanges(unreadable, unreadable)).toBe(false);
    expect(sameRanges(hex({}), hex({}))).toBe(false);
    expect(sameRanges(events, { ...events, package: 'other' })).toBe(false);
  });
});

describe('merging records that name no other id', () => {
  const record = (id: string, name: string, title: string, range: string, aliases: string[] = []) =>
    ({
      id,
      aliases,
      summary: title,
      severity: 'high',
      score: null,
      vector: null,
      published: null,
      modified: null,
      references: [],
      conditions: [],
      affected: [hex({ package: name, ranges: [{ type: 'requirement', range }] })],
      sources: [id],
      merges: [],
    }) satisfies Vulnerability;

  it('merges a record of one package with the same ranges and title, and says why', () => {
    const [merged, ...rest] = mergeVulnerabilities([
      record('GHSA-aaaa-bbbb-cccc', 'widget', 'widget: Crash in Widget.parse/1', '< 2.0.0'),
      record('CVE-2099-0001', 'widget', 'Crash in  widget.parse/1 ', '< 2.0.0'),
    ]);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({
      id: 'CVE-2099-0001',
      aliases: ['GHSA-aaaa-bbbb-cccc'],
      merges: [
        {
          records: ['CVE-2099-0001', 'GHSA-aaaa-bbbb-cccc'],
          by: 'content',
          reason:
            'GHSA-aaaa-bbbb-cccc names no other id; same package widget, identical affected ranges and title',
        },
      ],
    });
  });

  it('never merges across packages, across ranges, or so that one flaw would carry two CVE ids', () => {
    const ghsa = record('GHSA-aaaa-bbbb-cccc', 'widget', 'Crash in Widget.parse/1', '< 2.0.0');
    const apart = (other: Vulnerability, ...more: Vulnerability[]) =>
      expect(mergeVulnerabilities([ghsa, other, ...more])).toHaveLength(2 + more.length);
    apart(record('CVE-2099-0001', 'gadget', 'Crash in Widget.parse/1', '< 2.0.0'));
    apart(record('CVE-2099-0001', 'widget', 'Crash in Widget.parse/1', '< 2.0.1'));
    apart(record('CVE-2099-0001', 'widget', 'Hang in Widget.parse/1', '< 2.0.0'));
    // Two CNA records are two flaws by definition, however alike; the GHSA record, matching both, joins neither.
    expect(
      mergeVulnerabilities([
        ghsa,
        record('CVE-2099-0001', 'widget', 'Crash in Widget.parse/1', '< 2.0.0'),
        record('CVE-2099-0002', 'widget', 'Crash in Widget.parse/1', '< 2.0.0'),
      ]).map((v) => v.id),
    ).toEqual(['CVE-2099-0001', 'CVE-2099-0002', 'GHSA-aaaa-bbbb-cccc']);
  });
});

describe('unreadable advisories', () => {
  const failure = (fileName: string, content: string) => {
    try {
      parseAdvisory(fileName, content);
    } catch (error) {
      return error;
    }
    throw new Error(`${fileName} was read`);
  };

  it.each([
    ['broken.json', '{"id": '],
    ['list.json', '[]'],
    ['unknown.json', '{"name": "plug"}'],
    ['no-id.json', '{"schema_version": "1.7.3", "affected": []}'],
    ['bad-date.json', '{"schema_version": "1.7.3", "id": "GHSA-x", "modified": "yesterday"}'],
    ['cve.json', '{"dataType": "CVE_RECORD", "cveMetadata": {"state": "PUBLISHED"}, "containers": {}}'],
    ['packages/plug/GHSA-x.yml', 'id: GHSA-x\npackage: plug\nvulnerable_version_ranges:\n  - "~> soon"\n'],
    ['packages/plug/GHSA-y.yml', 'id: GHSA-y\npackage: plug\nvulnerable_version_ranges:\n  - ">= 1.0"\n'],
    ['packages/plug/GHSA-z.yml', 'id: [unclosed\n'],
  ])('refuses %s with an AdvisoryFormatError naming the file', (fileName, content) => {
    const error = failure(fileName, content);
    expect(error).toBeInstanceOf(AdvisoryFormatError);
    expect((error as AdvisoryFormatError).fileName).toBe(fileName);
    expect((error as AdvisoryFormatError).message).toContain(fileName);
  });
});

describe.skipIf(!haveSharedAdvisories)('real advisories from ../shared/advisories', () => {
  const files = haveSharedAdvisories ? advisoryFiles() : [];
  const records = files.map(readAdvisory);
  const merged = mergeVulnerabilities(records);
  const byId = (id: string) => merged.find((vulnerability) => vulnerability.id === id)!;

  it('reads every file of the four directories', () => {
    expect(files.length).toBe(128 + 50 + 151 + 108);
    expect(records.every((record) => record.sources.length === 1)).toBe(true);
  });

  it('merges the records of each flaw into one vulnerability under its CVE id', () => {
    expect(merged.length).toBeLessThan(records.length);
    const ash = merged.filter((v) => [v.id, ...v.aliases].includes('GHSA-f7gq-h8jv-h3cq'));
    expect(ash).toHaveLength(1);
    expect(ash[0]).toMatchObject({
      id: 'CVE-2025-4754',
      aliases: ['EEF-CVE-2025-4754', 'GHSA-f7gq-h8jv-h3cq'],
      sources: ['CVE-2025-4754', 'EEF-CVE-2025-4754', 'GHSA-f7gq-h8jv-h3cq'],
    });
    const ids = merged.flatMap((vulnerability) => [vulnerability.id, ...vulnerability.aliases]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('merges the same way whatever order the files are read in, and merging again changes nothing', () => {
    expect(mergeVulnerabilities([...records].reverse())).toEqual(merged);
    for (const vulnerability of merged) {
      for (const record of records.filter((r) => vulnerability.sources.includes(r.sources[0]!))) {
        expect(mergeInto(vulnerability, record)).toEqual(vulnerability);
      }
    }
  });

  it('imports an OTP record that has only GIT ranges, and takes its versions from the CVE record (osv-otp/EEF-CVE-2025-4748.json)', () => {
    const osv = readAdvisory('osv-otp/EEF-CVE-2025-4748.json');
    expect(osv).toMatchObject({ id: 'CVE-2025-4748', affected: [] });
    expect(byId('CVE-2025-4748').affected.map((affected) => affected.package)).toEqual(['otp', 'stdlib']);
  });

  it('keeps the Hex package of an EEF record and drops its GIT entry and npm twin (osv-hex/EEF-CVE-2026-56812.json)', () => {
    const record = readAdvisory('osv-hex/EEF-CVE-2026-56812.json');
    expect(record.affected.map(({ ecosystem, package: name }) => `${ecosystem}/${name}`)).toEqual([
      'hex/phoenix',
    ]);
    expect(readAdvisory('osv-hex/GHSA-5v5w-44w6-q5hv.json').affected[0]!.package).toBe('mongooseim');
  });

  it('flags the last affected phoenix of each branch and not its first fix (osv-hex/EEF-CVE-2026-32689.json)', () => {
    const phoenix = packageOf(readAdvisory('osv-hex/EEF-CVE-2026-32689.json'), 'phoenix');
    expect(affects(phoenix, '1.7.21')).toBe(true);
    expect(affects(phoenix, '1.7.22')).toBe(false);
    expect(affects(phoenix, '1.8.5')).toBe(true);
    expect(affects(phoenix, '1.8.6')).toBe(false);
    expect(affects(phoenix, '1.6.16')).toBe(false);
    expect(phoenix.fixed).toEqual(['1.7.22', '1.8.6']);
  });

  it('flags plug inside a GitHub range and not at its first patched version (mix-audit-yaml/packages/plug/GHSA-2q6v-32mr-8p8x.yml)', () => {
    const plug = packageOf(readAdvisory('mix-audit-yaml/packages/plug/GHSA-2q6v-32mr-8p8x.yml'), 'plug');
    expect(plug.ranges[0]).toEqual({ type: 'requirement', range: '>= 1.3.0, < 1.3.2' });
    expect(affects(plug, '1.3.1')).toBe(true);
    expect(affects(plug, '1.3.2')).toBe(false);
    expect(affects(plug, '1.2.2')).toBe(true);
    expect(affects(plug, '1.2.3')).toBe(false);
    expect(affects(plug, '1.0.3')).toBe(true);
    expect(affects(plug, '1.4.0')).toBe(false);
    expect(plug.fixed).toEqual(['1.0.4', '1.1.7', '1.2.3', '1.3.2']);
  });

  it('flags ssh below its branch fix and not at or above it (eef-cve-records/CVE-2026-23942.json: fixes 5.1.4.14, 5.2.11.6, 5.5.1)', () => {
    const ssh = packageOf(readAdvisory('eef-cve-records/CVE-2026-23942.json'), 'ssh');
    expect(ssh.ecosystem).toBe('otp');
    expect(affects(ssh, '5.2.11.5')).toBe(true);
    expect(affects(ssh, '5.2.11.6')).toBe(false);
    expect(affects(ssh, '5.2.11.7')).toBe(false);
    expect(affects(ssh, '5.1.4.13')).toBe(true);
    expect(affects(ssh, '5.1.4.14')).toBe(false);
    expect(affects(ssh, '5.5.0')).toBe(true);
    expect(affects(ssh, '5.5.1')).toBe(false);
    expect(affects(ssh, '5.6')).toBe(false);
    expect(affects(ssh, '3.0')).toBe(false);
    // On no fixed branch and below the newest fix.
    expect(affects(ssh, '5.2.12')).toBe(true);
    expect(affects(ssh, '5.3')).toBe(true);
  });

  it('flags the OTP release 27.3.4 and not its fix 27.3.4.1 (eef-cve-records/CVE-2025-4748.json: fixes 26.2.5.13, 27.3.4.1, 28.0.1)', () => {
    const otp = packageOf(byId('CVE-2025-4748'), 'otp');
    expect(affects(otp, '27.3.4')).toBe(true);
    expect(affects(otp, '27.3.4.1')).toBe(false);
    expect(affects(otp, '27.3.4.2')).toBe(false);
    expect(affects(otp, '26.2.5.12')).toBe(true);
    expect(affects(otp, '26.2.5.13')).toBe(false);
    expect(affects(otp, '28.0')).toBe(true);
    expect(affects(otp, '28.0.1')).toBe(false);
    expect(affects(otp, '28.1')).toBe(false);
    expect(affects(otp, '17.0')).toBe(true);
    expect(affects(otp, '16.0')).toBe(false);
    // 27.2 and 27.3.5 lie on no fixed branch, below the newest fix.
    expect(affects(otp, '27.2')).toBe(true);
    expect(affects(otp, '27.3.5')).toBe(true);
    const stdlib = packageOf(byId('CVE-2025-4748'), 'stdlib');
    expect(affects(stdlib, '6.2.2')).toBe(true);
    expect(affects(stdlib, '6.2.2.1')).toBe(false);
    expect(affects(stdlib, '7.0.1')).toBe(false);
  });

  it('names the vulnerable functions of CVE-2025-4748 (eef-cve-records/CVE-2025-4748.json)', () => {
    for (const name of ['otp', 'stdlib']) {
      expect(packageOf(byId('CVE-2025-4748'), name).functions).toContain('zip:unzip/1');
    }
  });

  it('scores CVE-2025-4748 from its CVSS v4 vector (eef-cve-records/CVE-2025-4748.json)', () => {
    expect(byId('CVE-2025-4748')).toMatchObject({
      severity: 'medium',
      score: 4.8,
      vector: 'CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:N/VI:L/VA:L/SC:N/SI:L/SA:L',
    });
  });

  it('computes the same base score as the CNA for every CVE record', () => {
    for (const file of files.filter((name) => name.startsWith('eef-cve-records/'))) {
      const given = JSON.parse(readFileSync(new URL(file, sharedAdvisories), 'utf8')).containers.cna
        .metrics[0].cvssV4_0;
      expect(readAdvisory(file).score, file).toBe(given.baseScore);
    }
  });

  it('scores from CVSS v3 vectors (osv-hex/GHSA-2q6v-32mr-8p8x.json, GHSA-2c28-m2m7-mf55.json) and prefers v4 (GHSA-h3rw-77w7-92gf.json)', () => {
    expect(readAdvisory('osv-hex/GHSA-2q6v-32mr-8p8x.json')).toMatchObject({ severity: 'high', score: 7.8 });
    expect(readAdvisory('osv-hex/GHSA-2c28-m2m7-mf55.json')).toMatchObject({
      severity: 'low',
      score: 2.6,
      vector: 'CVSS:3.0/AV:A/AC:H/PR:L/UI:N/S:U/C:L/I:N/A:N',
    });
    expect(readAdvisory('osv-hex/GHSA-h3rw-77w7-92gf.json').vector).toMatch(/^CVSS:4\.0\//);
  });

  it('falls back to the database severity without a vector (osv-hex/GHSA-5v5w-44w6-q5hv.json, mix-audit-yaml moderate)', () => {
    expect(readAdvisory('osv-hex/GHSA-5v5w-44w6-q5hv.json')).toMatchObject({
      severity: 'high',
      score: null,
      vector: null,
    });
    expect(readAdvisory('mix-audit-yaml/packages/altcha/GHSA-6gvq-jcmp-8959.yml').severity).toBe('medium');
    // The GHSA record's vector outranks mix_audit's word for the same flaw.
    expect(byId('CVE-2017-1000052')).toMatchObject({ severity: 'high', score: 7.8 });
  });

  it('suggests the fix on the version’s own branch', () => {
    const ssh = packageOf(byId('CVE-2026-23942'), 'ssh');
    expect(upgradeTo(ssh, '5.2.11.5')).toBe('5.2.11.6');
    expect(upgradeTo(ssh, '5.1.4.2')).toBe('5.1.4.14');
    expect(upgradeTo(ssh, '5.2.12')).toBe('5.5.1');
    expect(upgradeTo(ssh, '5.5.1')).toBeNull();
    const otp = packageOf(byId('CVE-2025-4748'), 'otp');
    expect(upgradeTo(otp, '27.3.4')).toBe('27.3.4.1');
    expect(upgradeTo(otp, '26.0')).toBe('26.2.5.13');
    expect(upgradeTo(otp, '28.1')).toBeNull();
    const plug = packageOf(byId('CVE-2026-56813'), 'plug');
    expect(upgradeTo(plug, '1.18.1')).toBe('1.18.5');
    expect(upgradeTo(plug, '1.15.0')).toBe('1.16.6');
  });

  it('holds every listed version of the EEF records among their candidate ranges', () => {
    const eef = records.filter((record) => record.sources[0]!.startsWith('EEF-'));
    const listed = eef.flatMap((record) =>
      record.affected.filter((affected) => affected.versions.length > 0),
    );
    expect(listed.length).toBeGreaterThan(50);
    for (const affected of [...listed, ...merged.flatMap((vulnerability) => vulnerability.affected)]) {
      const inCandidates = candidates(affected);
      for (const version of affected.versions) {
        expect(affects(affected, version), `${affected.package} ${version}`).toBe(true);
        expect(inCandidates(version), `${affected.package} ${version}`).toBe(true);
      }
    }
  });

  it('holds every affected OTP version among the candidate ranges (eef-cve-records/CVE-2026-23942.json, CVE-2025-4748.json)', () => {
    const versions = [3, 4, 5, 6].flatMap((major) =>
      [0, 1, 2, 5].flatMap((minor) =>
        [0, 4, 11].flatMap((patch) =>
          [0, 5, 6, 13, 14].map((build) => `${major}.${minor}.${patch}.${build}`),
        ),
      ),
    );
    const releases = [17, 26, 27, 28].flatMap((major) =>
      [0, 2, 3].flatMap((minor) =>
        [0, 4, 5].flatMap((patch) => [0, 1, 12, 13].map((n) => `${major}.${minor}.${patch}.${n}`)),
      ),
    );
    const ssh = packageOf(byId('CVE-2026-23942'), 'ssh');
    const otp = packageOf(byId('CVE-2025-4748'), 'otp');
    expect(candidateRanges(otp)).toEqual(['>= 17.0, < 28.0.1']);
    for (const [affected, sample] of [
      [ssh, versions],
      [otp, releases],
    ] as const) {
      const inCandidates = candidates(affected);
      for (const version of sample.filter((v) => affects(affected, v))) {
        expect(inCandidates(version), version).toBe(true);
      }
    }
  });

  it("merges mix_audit's copy of an EEF flaw by its package, ranges and title (GHSA-84f2-rp86-235p is CVE-2026-43970, GHSA-jfc2-q6qh-g5x8 is CVE-2026-8466)", () => {
    const bomb = byId('CVE-2026-43970');
    expect(bomb.aliases).toEqual(['EEF-CVE-2026-43970', 'GHSA-84f2-rp86-235p']);
    expect(bomb.merges).toContainEqual({
      records: ['CVE-2026-43970', 'GHSA-84f2-rp86-235p'],
      by: 'content',
      reason:
        'GHSA-84f2-rp86-235p names no other id; same package cowlib, identical affected ranges and title',
    });
    expect(bomb.merges).toContainEqual({
      records: ['CVE-2026-43970', 'EEF-CVE-2026-43970'],
      by: 'id',
      reason: 'both name CVE-2026-43970',
    });
    expect(byId('CVE-2026-8466').aliases).toContain('GHSA-jfc2-q6qh-g5x8');
    // Same title, but GitHub's record says 2.16.1 is the last affected and the CNA's that nothing fixes it.
    expect(byId('CVE-2026-43969').aliases).not.toContain('GHSA-g2wm-735q-3f56');
    expect(merged.filter((v) => v.merges.some((merge) => merge.by === 'content'))).toHaveLength(2);
  });

  it('reads the vulnerable code and the conditions of exposure (eef-cve-records/CVE-2025-48038.json, CVE-2026-47074.json)', () => {
    const sftp = readAdvisory('eef-cve-records/CVE-2025-48038.json');
    expect(packageOf(sftp, 'ssh')).toMatchObject({
      modules: ['ssh_sftp'],
      files: ['lib/ssh/src/ssh_sftpd.erl'],
    });
    expect(sftp.conditions).toEqual([
      'The SFTP subsystem must be enabled on the SSH server and the SSH port must be reachable by the attacker. SFTP is enabled by default unless explicitly disabled by setting {subsystems, []} in the SSH daemon configuration.',
    ]);
    // The EEF's OSV record words it in Markdown, with escapes.
    expect(readAdvisory('osv-otp/EEF-CVE-2025-48038.json').conditions[0]).toContain('{subsystems, []}');
    const sns = readAdvisory('eef-cve-records/CVE-2026-47074.json');
    expect(packageOf(sns, 'ex_aws_sns')).toMatchObject({
      functions: ['ExAws.SNS.PublicKeyCache.get/1', 'ExAws.SNS.verify_message/1'],
      modules: ['ExAws.SNS', 'ExAws.SNS.PublicKeyCache'],
    });
  });

  it.skipIf(!existsSync(new URL('../scans/mix_audit/insecure-phoenix.json', sharedAdvisories)))(
    'flags every dependency mix_audit reported (../scans/mix_audit/insecure-phoenix.json)',
    () => {
      const report = JSON.parse(
        readFileSync(new URL('../scans/mix_audit/insecure-phoenix.json', sharedAdvisories), 'utf8'),
      ) as {
        vulnerabilities: { advisory: { id: string }; dependency: { package: string; version: string } }[];
      };
      expect(report.vulnerabilities).toHaveLength(14);
      for (const { advisory, dependency } of report.vulnerabilities) {
        const vulnerability = merged.find((v) => [v.id, ...v.aliases].includes(advisory.id))!;
        expect(affects(packageOf(vulnerability, dependency.package), dependency.version), advisory.id).toBe(
          true,
        );
      }
    },
  );
});

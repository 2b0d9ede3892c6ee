import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintFindings } from '../../shared/scan-fingerprint.ts';
import { normalizeScanReport, type ScanFinding } from '../../shared/scan-report.ts';

const scans = new URL('../../../shared/scans/', import.meta.url);
const haveShared = existsSync(scans);
const sharedNote = haveShared ? '' : ' (skipped: ../shared/scans is not beside this clone)';
const read = (path: string) => JSON.parse(readFileSync(new URL(path, scans), 'utf8'));

type SobelowJsonReport = { findings: Record<string, { line?: number; [field: string]: unknown }[]> };
type SarifReport = {
  runs: {
    results: {
      locations?: { physicalLocation?: { region?: { startLine?: number; endLine?: number } } }[];
      partialFingerprints?: Record<string, string>;
    }[];
  }[];
};

/** The same Sobelow JSON report with every finding `by` lines further down its file. */
function shiftedJson(report: SobelowJsonReport, by: number): SobelowJsonReport {
  const copy = structuredClone(report);
  for (const bucket of Object.values(copy.findings))
    for (const finding of bucket) if (finding.line !== undefined) finding.line += by;
  return copy;
}

/**
 * The same SARIF report with every result `by` lines further down, and the primaryLocationLineHash that
 * Sobelow would then compute, since it hashes the line number.
 */
function shiftedSarif(report: SarifReport, by: number): SarifReport {
  const copy = structuredClone(report);
  for (const run of copy.runs)
    for (const result of run.results) {
      for (const location of result.locations ?? []) {
        const region = location.physicalLocation?.region;
        if (region?.startLine !== undefined) region.startLine += by;
        if (region?.endLine !== undefined) region.endLine += by;
      }
      if (result.partialFingerprints)
        result.partialFingerprints.primaryLocationLineHash = `moved-${result.partialFingerprints.primaryLocationLineHash}`;
    }
  return copy;
}

const fingerprintsOf = (findings: ScanFinding[], tool: 'sobelow' | 'mix_audit' = 'sobelow') =>
  fingerprintFindings(tool, findings).map((finding) => finding.fingerprint);

describe.skipIf(!haveShared)(`fingerprints of the real scans in ../shared/scans${sharedNote}`, () => {
  it.each(['hexpm', 'insecure-phoenix'])('keeps every fingerprint of %s when all its lines move', (app) => {
    const json = read(`sobelow/${app}.json`) as SobelowJsonReport;
    const before = fingerprintsOf(normalizeScanReport('sobelow', json));
    const after = fingerprintsOf(normalizeScanReport('sobelow', shiftedJson(json, 7)));
    expect(after).toEqual(before);

    const sarif = read(`sobelow/${app}.sarif`) as SarifReport;
    const sarifBefore = fingerprintsOf(normalizeScanReport('sobelow', sarif));
    const sarifAfter = fingerprintsOf(normalizeScanReport('sobelow', shiftedSarif(sarif, 7)));
    expect(sarifAfter).toEqual(sarifBefore);
  });

  it.each([
    ['sobelow', 'sobelow/hexpm.json'],
    ['sobelow', 'sobelow/hexpm.sarif'],
    ['sobelow', 'sobelow/insecure-phoenix.json'],
    ['sobelow', 'sobelow/insecure-phoenix.sarif'],
    ['mix_audit', 'mix_audit/insecure-phoenix.json'],
  ] as const)('gives each finding of a %s report its own fingerprint (%s)', (tool, path) => {
    const findings = normalizeScanReport(tool, read(path));
    const fingerprints = fingerprintsOf(findings, tool);
    expect(new Set(fingerprints).size).toBe(findings.length);
    for (const fingerprint of fingerprints) expect(fingerprint).toMatch(/^[0-9a-f]{20}$/);
  });

  it('tells apart the findings of one check on one variable in one file, by their order', () => {
    // hexpm's lib/hexpm/tmp_dir.ex has six Traversal.FileModule findings on `path`.
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.json'));
    const alike = fingerprintFindings('sobelow', findings).filter(
      (finding) =>
        finding.file === 'lib/hexpm/tmp_dir.ex' &&
        finding.rule === 'Traversal.FileModule' &&
        finding.locator === 'variable=path',
    );
    expect(alike).toHaveLength(6);
    expect(new Set(alike.map((finding) => finding.fingerprint)).size).toBe(6);
  });
});

describe('fingerprintFindings', () => {
  const xss = (line: number, extra: Partial<ScanFinding> = {}): ScanFinding => ({
    rule: 'XSS.Raw',
    severity: 'medium',
    title: 'XSS.Raw: XSS',
    file: 'lib/shop_web/page.ex',
    line,
    locator: 'variable=body',
    ...extra,
  });
  const only = (finding: ScanFinding) => fingerprintFindings('sobelow', [finding])[0]!.fingerprint;

  it('keeps each finding in its place, adding only its fingerprint', () => {
    const findings = [xss(30), xss(10, { locator: 'variable=name' }), xss(20)];
    const fingerprinted = fingerprintFindings('sobelow', findings);
    expect(fingerprinted.map(({ fingerprint, ...finding }) => finding)).toEqual(findings);
    expect(fingerprintFindings('sobelow', findings)).toEqual(fingerprinted);
    expect(findings[0]).not.toHaveProperty('fingerprint');
  });

  it('changes with the tool, the rule, the file or the place in the code, not the line', () => {
    const fingerprint = only(xss(10));
    expect(only(xss(99))).toBe(fingerprint);
    expect(only(xss(10, { severity: 'high' }))).toBe(fingerprint);
    expect(fingerprintFindings('mix_audit', [xss(10)])[0]!.fingerprint).not.toBe(fingerprint);
    expect(only(xss(10, { rule: 'XSS.SendResp' }))).not.toBe(fingerprint);
    expect(only(xss(10, { file: 'lib/shop_web/cart.ex' }))).not.toBe(fingerprint);
    expect(only(xss(10, { locator: 'variable=name' }))).not.toBe(fingerprint);
  });

  it('places a finding without a locator by its title', () => {
    const fingerprint = only(xss(10, { locator: undefined }));
    expect(only(xss(40, { locator: undefined }))).toBe(fingerprint);
    expect(only(xss(10, { locator: undefined, title: 'XSS.Raw: other' }))).not.toBe(fingerprint);
  });

  it('numbers findings alike by line, so that they keep their fingerprints when other lines move', () => {
    const [first, second] = fingerprintsOf([xss(20), xss(10)]);
    expect(first).not.toBe(second);
    // Lines inserted above both, and an unrelated finding added between them.
    expect(fingerprintsOf([xss(45), xss(120, { rule: 'SQL.Query' }), xss(35)])).toEqual([
      first,
      expect.any(String),
      second,
    ]);
    // A third one further down leaves the first two as they were.
    expect(fingerprintsOf([xss(10), xss(20), xss(30)]).slice(0, 2)).toEqual([second, first]);
  });

  describe('of dependencies', () => {
    const advisory = (version: string, extra: Partial<ScanFinding> = {}): ScanFinding => ({
      rule: 'dependency',
      severity: 'high',
      title: 'Plug: header injection',
      file: 'mix.lock',
      package: 'plug',
      version,
      advisory: 'GHSA-5v4m-c9rj-jv9w',
      fixed_in: ['1.16.2'],
      ...extra,
    });
    const of = (finding: ScanFinding, tool: 'mix_audit' | 'hex_audit' = 'mix_audit') =>
      fingerprintFindings(tool, [finding])[0]!.fingerprint;

    it('keeps a vulnerable dependency’s fingerprint across versions, titles and fixes', () => {
      const fingerprint = of(advisory('1.16.0'));
      expect(of(advisory('1.16.1', { title: 'Reworded', fixed_in: ['1.16.3'], severity: 'critical' }))).toBe(
        fingerprint,
      );
      expect(of(advisory('1.16.0', { package: 'Plug' }))).toBe(fingerprint);
      expect(of(advisory('1.16.0', { advisory: 'GHSA-aaaa-bbbb-cccc' }))).not.toBe(fingerprint);
      expect(of(advisory('1.16.0', { package: 'plug_cowboy' }))).not.toBe(fingerprint);
      expect(of(advisory('1.16.0'), 'hex_audit')).not.toBe(fingerprint);
    });

    it('tells apart one advisory on the same package in two lock files of an umbrella', () => {
      const [apps, root] = fingerprintsOf(
        [advisory('1.16.0', { file: 'apps/web/mix.lock' }), advisory('1.15.0', { file: 'mix.lock' })],
        'mix_audit',
      );
      expect(apps).not.toBe(root);
    });

    it('keeps a retired package’s fingerprint across versions and reasons', () => {
      const retired = (version: string, title: string): ScanFinding => ({
        rule: 'retired',
        severity: 'low',
        title,
        package: 'poison',
        version,
      });
      const fingerprint = of(retired('3.1.0', 'retired: (deprecated) use Jason'), 'hex_audit');
      expect(of(retired('4.0.1', 'retired: (security) CVE'), 'hex_audit')).toBe(fingerprint);
      expect(of({ ...retired('3.1.0', 'x'), package: 'jason' }, 'hex_audit')).not.toBe(fingerprint);
    });
  });
});

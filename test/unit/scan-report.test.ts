import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storedFindings } from '../../shared/entities/scan.ts';
import { ValidationError } from '../../shared/errors.ts';
import { countBySeverity, normalizeScanReport, type ScanFinding } from '../../shared/scan-report.ts';

const scans = new URL('../../../shared/scans/', import.meta.url);
const haveShared = existsSync(scans);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, scans), 'utf8'));

/** The findings as (rule, severity, file, title), sorted, to compare two reports regardless of order. */
const multiset = (findings: ScanFinding[]) =>
  findings.map((f) => JSON.stringify([f.rule, f.severity, f.file, f.title])).sort();

describe.skipIf(!haveShared)('real scan outputs from ../shared/scans', () => {
  it('rates Sobelow findings by check type, one step lower when Sobelow is not highly confident', () => {
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.json'));
    expect(findings).toHaveLength(105);
    // High confidence: 3 Config.Secrets, 1 Traversal.FileModule, 3 XSS.SendResp high; 1 Config.HTTPS,
    // 3 Config.CSP medium. Medium confidence: 3 XSS.SendResp medium. Low confidence: 3 RCE.CodeModule
    // high; 32 Traversal.FileModule, 4 SQL.Query, 42 XSS.Raw medium; 4 DOS.BinToAtom, 6 DOS.StringToAtom low.
    expect(countBySeverity(findings)).toEqual({ critical: 0, high: 10, medium: 85, low: 10 });
    // High confidence: XSS.SendResp, XSS.HTML high, Config.CSP medium; the rest (4 XSS.SendResp,
    // XSS.ContentType, 2 SQL.Query) medium.
    expect(countBySeverity(normalizeScanReport('sobelow', read('sobelow/insecure-phoenix.json')))).toEqual({
      critical: 0,
      high: 2,
      medium: 8,
      low: 0,
    });
  });

  it('reads Sobelow SARIF with one finding per result, named by check type', () => {
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.sarif'));
    expect(findings).toHaveLength(105);
    expect(findings[0]).toMatchObject({
      rule: 'Config.Secrets',
      severity: 'high',
      title: 'Config.Secrets: Hardcoded Secret',
      file: 'config/hex.exs',
      line: 4,
    });
  });

  it.each(['hexpm', 'insecure-phoenix'])('gives the same findings for the JSON and SARIF of %s', (app) => {
    const json = normalizeScanReport('sobelow', read(`sobelow/${app}.json`));
    const sarif = normalizeScanReport('sobelow', read(`sobelow/${app}.sarif`));
    expect(countBySeverity(sarif)).toEqual(countBySeverity(json));
    // Lines are left out: Sobelow's JSON gives line 0 for a finding about a whole file (Config.HTTPS),
    // where its SARIF gives startLine 1.
    expect(multiset(sarif)).toEqual(multiset(json));
  });

  it('reads mix_audit JSON with package, version, advisory and fixes', () => {
    expect(normalizeScanReport('mix_audit', read('mix_audit/hexpm.json'))).toEqual([]);
    const findings = normalizeScanReport('mix_audit', read('mix_audit/insecure-phoenix.json'));
    expect(findings).toHaveLength(14);
    expect(new Set(findings.map((f) => f.package))).toEqual(
      new Set(['bandit', 'decimal', 'mint', 'phoenix', 'plug', 'postgrex']),
    );
    expect(findings.find((f) => f.advisory === 'GHSA-628h-q48j-jr6q')).toMatchObject({
      package: 'phoenix',
      version: '1.7.14',
      severity: 'high',
      fixed_in: ['1.8.6', '1.7.22'],
    });
  });
});

describe('normalizeScanReport', () => {
  /** One finding of a check type, in Sobelow's JSON and in its SARIF (rule ids as Sobelow numbers them). */
  const sobelowJson = (confidence: string, checkType: string) => ({
    findings: { [confidence]: [{ type: `${checkType}: a title`, file: 'lib/shop.ex', line: 7 }] },
  });
  const sobelowSarif = (level: string, checkType: string) => ({
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Sobelow', rules: [{ id: 'SBLW099', name: checkType }] } },
        results: [
          {
            ruleId: 'SBLW099',
            level,
            message: { text: `${checkType}: a title` },
            locations: [
              { physicalLocation: { artifactLocation: { uri: 'lib/shop.ex' }, region: { startLine: 7 } } },
            ],
          },
        ],
      },
    ],
  });

  it.each([
    ['XSS.SendResp', 'high_confidence', 'error', 'high'],
    ['XSS.Raw', 'low_confidence', 'warning', 'medium'],
    ['RCE.CodeModule', 'low_confidence', 'warning', 'high'],
    ['CI.System', 'high_confidence', 'error', 'critical'],
    ['SQL.Query', 'medium_confidence', 'warning', 'medium'],
    ['Misc.BinToTerm', 'high_confidence', 'error', 'high'],
    ['Config.CSRF', 'high_confidence', 'error', 'high'],
    ['Config.CSP', 'high_confidence', 'error', 'medium'],
    ['Config.HSTS', 'medium_confidence', 'warning', 'low'],
    ['DOS.StringToAtom', 'low_confidence', 'warning', 'low'],
    ['Vuln.Plug', 'high_confidence', 'error', 'high'],
    ['Future.Check', 'high_confidence', 'error', 'medium'],
    ['Future.Check', 'low_confidence', 'warning', 'low'],
  ])('rates Sobelow %s at %s (SARIF %s) as %s in both formats', (checkType, confidence, level, severity) => {
    const expected = [expect.objectContaining({ rule: checkType, severity, file: 'lib/shop.ex', line: 7 })];
    expect(normalizeScanReport('sobelow', sobelowJson(confidence, checkType))).toEqual(expected);
    expect(normalizeScanReport('sobelow', sobelowSarif(level, checkType))).toEqual(expected);
  });

  /** A SARIF run of another tool, with its rules and results as given. */
  const otherSarif = (rules: object[], results: object[]) => ({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'CodeQL', semanticVersion: '2.20.0', rules } }, results }],
  });
  const severitiesOf = (report: unknown) =>
    normalizeScanReport('sobelow', report).map(({ rule, severity }) => ({ rule, severity }));

  it('rates another tool’s SARIF by security-severity, the result’s before its rule’s', () => {
    const rules = [
      { id: 'js/sql-injection', properties: { 'security-severity': '9.8', tags: ['security'] } },
      { id: 'js/weak-hash', helpUri: 'https://example.com', properties: { 'security-severity': '5.0' } },
    ];
    const results = [
      { ruleId: 'js/sql-injection', level: 'note', fingerprints: { a: '1' } },
      { ruleId: 'js/weak-hash', properties: { 'security-severity': '7.5' } },
      { ruleId: 'js/weak-hash' },
      { rule: { index: 0 } },
    ];
    expect(severitiesOf(otherSarif(rules, results))).toEqual([
      { rule: 'js/sql-injection', severity: 'critical' },
      { rule: 'js/weak-hash', severity: 'high' },
      { rule: 'js/weak-hash', severity: 'medium' },
      { rule: 'js/sql-injection', severity: 'critical' },
    ]);
  });

  it('rates another tool’s SARIF by level when it has no usable security-severity', () => {
    const rules = [
      { id: 'quiet', defaultConfiguration: { level: 'note' } },
      { id: 'loud', defaultConfiguration: { level: 'error' }, properties: { 'security-severity': 'high' } },
    ];
    const results = [
      { ruleId: 'loud' },
      { ruleId: 'quiet' },
      { ruleId: 'quiet', level: 'error', properties: { 'security-severity': { score: 9 } } },
      { ruleId: 'other', properties: { 'security-severity': '0.0' } },
      { ruleId: 'other', level: 'none' },
    ];
    expect(severitiesOf(otherSarif(rules, results))).toEqual([
      { rule: 'loud', severity: 'high' },
      { rule: 'quiet', severity: 'low' },
      { rule: 'quiet', severity: 'high' },
      { rule: 'other', severity: 'medium' },
      { rule: 'other', severity: 'low' },
    ]);
  });

  it('knows Sobelow’s SARIF by its driver name in any case', () => {
    const sarif = sobelowSarif('error', 'CI.OS');
    sarif.runs[0]!.tool.driver.name = 'sobelow';
    expect(severitiesOf(sarif)).toEqual([{ rule: 'CI.OS', severity: 'critical' }]);
    sarif.runs[0]!.tool.driver.name = 'Credo';
    expect(severitiesOf(sarif)).toEqual([{ rule: 'SBLW099', severity: 'high' }]);
  });

  it('reads the table that mix hex.audit prints', () => {
    const output = [
      'Dependency         Version  Retirement reason',
      'hackney            1.15.0   (security) SSL verification bypass',
      'poison             3.1.0    (deprecated) use Jason',
    ].join('\n');
    expect(normalizeScanReport('hex_audit', output)).toEqual([
      expect.objectContaining({ package: 'hackney', version: '1.15.0', severity: 'high' }),
      expect.objectContaining({ package: 'poison', version: '3.1.0', severity: 'low' }),
    ]);
    expect(normalizeScanReport('hex_audit', 'No retired packages found')).toEqual([]);
  });

  it('names what is wrong with a report that does not fit its tool', () => {
    expect(() => normalizeScanReport('mix_audit', { pass: 'maybe' })).toThrow(ValidationError);
    expect(() => normalizeScanReport('mix_audit', { pass: 'maybe' })).toThrow(/^report\.pass/);
    expect(() => normalizeScanReport('hex_audit', { not: 'text' })).toThrow(/report/);
    expect(() => normalizeScanReport('sobelow', { findings: { high_confidence: [{}] } })).toThrow(
      /report\.findings\.high_confidence\[0\]\.type/,
    );
  });
});

describe('storedFindings', () => {
  it('keeps the most severe findings when they do not all fit', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      rule: 'XSS',
      severity: i === 1999 ? ('critical' as const) : ('low' as const),
      title: 'x'.repeat(400),
    }));
    const stored = storedFindings(many);
    expect(stored.truncated).toBe(true);
    expect(stored.findings[0]!.severity).toBe('critical');
    expect(Buffer.byteLength(JSON.stringify(stored.findings))).toBeLessThan(350_000);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import {
  countBySeverity,
  maxFindings,
  normalizeScanReport,
  type ScanFinding,
  type ScanTool,
} from '../../shared/scan-report.ts';

const scans = new URL('../../../shared/scans/', import.meta.url);
const haveShared = existsSync(scans);
const sharedNote = haveShared ? '' : ' (skipped: ../shared/scans is not beside this clone)';
const read = (path: string) => JSON.parse(readFileSync(new URL(path, scans), 'utf8'));

/** The findings as (rule, severity, file, title), sorted, to compare two reports regardless of order. */
const multiset = (findings: ScanFinding[]) =>
  findings.map((f) => JSON.stringify([f.rule, f.severity, f.file, f.title])).sort();

/** Every report in ../shared/scans, as `<tool directory>/<file>`; the `.meta.json` beside each says how it was made. */
const reportPaths = () =>
  readdirSync(scans, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((directory) =>
      readdirSync(new URL(`${directory.name}/`, scans))
        .filter((file) => !file.endsWith('.meta.json'))
        .map((file) => `${directory.name}/${file}`),
    )
    .sort();

/** How many findings each report has, as ../shared/README.md states. */
const statedCounts: Record<string, number> = {
  'sobelow/hexpm.json': 105,
  'sobelow/hexpm.sarif': 105,
  'sobelow/insecure-phoenix.json': 10,
  'sobelow/insecure-phoenix.sarif': 10,
  'mix_audit/hexpm.json': 0,
  'mix_audit/insecure-phoenix.json': 14,
};

describe.skipIf(!haveShared)(`real scan outputs from ../shared/scans${sharedNote}`, () => {
  const paths = haveShared ? reportPaths() : [];

  it('finds every report the README lists', () => {
    expect(paths).toEqual(expect.arrayContaining(Object.keys(statedCounts)));
  });

  it.each(paths)('parses %s', (path) => {
    const tool = path.split('/')[0] as ScanTool;
    const report = tool === 'hex_audit' ? readFileSync(new URL(path, scans), 'utf8') : read(path);
    const findings = normalizeScanReport(tool, report);
    if (path in statedCounts) expect(findings).toHaveLength(statedCounts[path]!);
  });

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

  it('places Sobelow JSON findings by the fields their check reports', () => {
    const hexpm = normalizeScanReport('sobelow', read('sobelow/hexpm.json'));
    expect(hexpm[0]).toMatchObject({ rule: 'Config.Secrets', line: 4, locator: 'key=secret' });
    expect(hexpm.find((f) => f.rule === 'Config.HTTPS')).toMatchObject({ line: 0, locator: undefined });
    const insecure = normalizeScanReport('sobelow', read('sobelow/insecure-phoenix.json'));
    expect(insecure.find((f) => f.rule === 'Config.CSP')?.locator).toBe('pipeline=browser');
    expect(insecure[0]?.locator).toBe('variable=username');
  });

  it('reads Sobelow SARIF with one finding per result, named by check type', () => {
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.sarif'));
    expect(findings).toHaveLength(105);
    expect(findings[0]).toEqual({
      rule: 'Config.Secrets',
      severity: 'high',
      title: 'Config.Secrets: Hardcoded Secret',
      file: 'config/hex.exs',
      line: 4,
      locator: undefined,
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
    expect(findings.find((f) => f.advisory === 'GHSA-628h-q48j-jr6q')).toEqual({
      rule: 'dependency',
      severity: 'high',
      title: 'Phoenix: Long-poll NDJSON body splitting causes large memory allocation',
      file: 'mix.lock',
      package: 'phoenix',
      version: '1.7.14',
      advisory: 'GHSA-628h-q48j-jr6q',
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

  describe('Sobelow JSON', () => {
    it('takes a report without findings, its buckets empty or left out', () => {
      const empty = {
        findings: { high_confidence: [], medium_confidence: [], low_confidence: [] },
        total_findings: 0,
        sobelow_version: '0.15.0',
      };
      expect(normalizeScanReport('sobelow', empty)).toEqual([]);
      // Early Sobelow versions named their version `version`.
      expect(normalizeScanReport('sobelow', { findings: {}, total_findings: 0, version: '0.6.8' })).toEqual(
        [],
      );
    });

    it('places a finding by its check’s own fields, in name order, leaving out the line-derived fingerprint', () => {
      const findings = normalizeScanReport('sobelow', {
        findings: {
          high_confidence: [
            // Known vulnerable dependencies carry details, a CVE and Sobelow's fingerprint.
            {
              type: 'Vuln.Ecto: Known Vulnerable Dependency - ecto v2.1.0',
              details: 'Ecto.Query accepts nil in comparisons',
              file: 'mix.lock',
              cve: 'TBA',
              line: 0,
              fingerprint: '5A0B1C9',
            },
            { type: 'XSS.Raw: XSS', variable: 'body', function: 'show/2', file: 'lib/a.ex', line: 3 },
            {
              type: 'Config.CSWH: Cross-Site Websocket Hijacking',
              file: 'lib/endpoint.ex',
              line: 9,
              port: 4000,
            },
          ],
          low_confidence: [{ type: 'DOS.ListToAtom: atoms', variable: null, file: 'lib/b.ex', line: 5 }],
        },
      });
      expect(findings.map((f) => f.locator)).toEqual([
        'cve=TBA details=Ecto.Query accepts nil in comparisons',
        'function=show/2 variable=body',
        'port=4000',
        undefined,
      ]);
    });

    it('cuts a long locator to 300 characters', () => {
      const [finding] = normalizeScanReport('sobelow', {
        findings: {
          low_confidence: [{ type: 'XSS.Raw: XSS', variable: 'x'.repeat(5000), file: 'a.ex', line: 1 }],
        },
      });
      expect(finding!.locator).toBe(`variable=${'x'.repeat(291)}`);
    });

    it('takes a finding with a null file or line', () => {
      expect(
        normalizeScanReport('sobelow', {
          findings: { high_confidence: [{ type: 'Config.HSTS: HSTS Not Enabled', file: null, line: null }] },
        }),
      ).toEqual([{ rule: 'Config.HSTS', severity: 'medium', title: 'Config.HSTS: HSTS Not Enabled' }]);
    });
  });

  describe('SARIF', () => {
    const oneResult = (result: object, driver: object = { name: 'Sobelow', rules: [] }) => ({
      version: '2.1.0',
      runs: [{ tool: { driver }, results: [result] }],
    });

    it('rates a Sobelow result without a level as not highly confident, and one without locations as nowhere', () => {
      const driver = { name: 'Sobelow', rules: [{ id: 'SBLW012', name: 'SQL.Query' }] };
      expect(
        normalizeScanReport(
          'sobelow',
          oneResult({ ruleId: 'SBLW012', message: { text: 'SQL.Query: SQL' } }, driver),
        ),
      ).toEqual([{ rule: 'SQL.Query', severity: 'medium', title: 'SQL.Query: SQL' }]);
    });

    it('names a Sobelow result by its message’s check type when it has no rule', () => {
      // Sobelow writes `"ruleId": null` for a finding type it has no rule for.
      const findings = normalizeScanReport(
        'sobelow',
        oneResult({ ruleId: null, level: 'error', message: { text: 'RCE.NewCheck: Code execution' } }),
      );
      expect(findings).toEqual([
        expect.objectContaining({
          rule: 'RCE.NewCheck',
          severity: 'critical',
          title: 'RCE.NewCheck: Code execution',
        }),
      ]);
      const unnamedRule = { name: 'Sobelow', rules: [{ id: 'SBLW200' }] };
      expect(normalizeScanReport('sobelow', oneResult({ ruleId: 'SBLW200' }, unnamedRule))).toEqual([
        { rule: 'SBLW200', severity: 'low', title: 'SBLW200' },
      ]);
    });

    it('places another tool’s result by its partial fingerprints, in name order, and Sobelow’s by its message', () => {
      const result = {
        ruleId: 'js/xss',
        message: { text: 'Cross-site scripting' },
        partialFingerprints: {
          primaryLocationLineHash: 'a1b2:1',
          primaryLocationStartColumnFingerprint: '4',
        },
      };
      expect(normalizeScanReport('sobelow', oneResult(result, { name: 'CodeQL' }))[0]!.locator).toBe(
        'primaryLocationLineHash=a1b2:1 primaryLocationStartColumnFingerprint=4',
      );
      // Sobelow hashes the line number into its primaryLocationLineHash: its title places it instead.
      expect(normalizeScanReport('sobelow', oneResult(result))[0]!.locator).toBeUndefined();
      const malformed = { ...result, partialFingerprints: { primaryLocationLineHash: 42 } };
      expect(
        normalizeScanReport('sobelow', oneResult(malformed, { name: 'CodeQL' }))[0]!.locator,
      ).toBeUndefined();
    });

    it('takes runs with null or no results, and ignores what it does not read', () => {
      const report = {
        version: '2.1.0',
        runs: [
          { tool: { driver: { name: 'Sobelow', rules: null } }, results: null },
          { tool: { driver: { name: 'Sobelow' } } },
          {
            tool: {
              driver: { name: 'Sobelow', informationUri: 'https://sobelow.io', semanticVersion: '0.16.0' },
            },
            invocations: [{ executionSuccessful: true, toolExecutionNotifications: [] }],
            results: [
              {
                ruleId: 'SBLW031',
                level: 'error',
                message: { text: 'XSS.SendResp: XSS in `send_resp`' },
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: 'lib/my%20app/page_controller.ex', uriBaseId: '%SRCROOT%' },
                      region: { startLine: 24, startColumn: 8, endLine: 24, endColumn: 8 },
                    },
                  },
                ],
                partialFingerprints: { primaryLocationLineHash: '50CCCC9' },
                suppressions: [],
              },
            ],
          },
        ],
      };
      expect(normalizeScanReport('sobelow', report)).toEqual([
        {
          rule: 'XSS.SendResp',
          severity: 'high',
          title: 'XSS.SendResp: XSS in `send_resp`',
          // Newer Sobelow versions percent-encode their SARIF paths, not their JSON ones.
          file: 'lib/my app/page_controller.ex',
          line: 24,
          locator: undefined,
        },
      ]);
      const badEscape = oneResult({
        message: { text: 'x' },
        locations: [{ physicalLocation: { artifactLocation: { uri: 'a%zz.ex' } } }],
      });
      expect(normalizeScanReport('sobelow', badEscape)[0]!.file).toBe('a%zz.ex');
    });
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

  describe('mix_audit JSON', () => {
    /** One vulnerability as mix_audit 2.1 encodes it, with the advisory's fields replaced as given. */
    const mixAudit = (
      advisory: object,
      dependency: object = { package: 'plug', version: '1.3.0', lockfile: 'mix.lock' },
    ) => ({
      pass: false,
      vulnerabilities: [
        {
          advisory: {
            id: 'GHSA-5v4m-c9rj-jv9w',
            package: 'plug',
            title: 'Plug null byte injection',
            description: 'Long text',
            disclosure_date: '2017-02-28',
            url: 'https://github.com/advisories/GHSA-5v4m-c9rj-jv9w',
            vulnerable_version_ranges: ['>= 1.3.0, < 1.3.2'],
            first_patched_versions: ['1.3.2'],
            severity: 'high',
            ...advisory,
          },
          dependency,
        },
      ],
    });

    it('takes an advisory that no version fixes yet', () => {
      const [finding] = normalizeScanReport('mix_audit', mixAudit({ first_patched_versions: null }));
      expect(finding).toMatchObject({ advisory: 'GHSA-5v4m-c9rj-jv9w', fixed_in: [] });
    });

    it.each([
      [{ severity: null }, 'medium'],
      [{ severity: undefined }, 'medium'],
      [{ severity: 'moderate' }, 'medium'],
      [{ severity: 'CRITICAL' }, 'critical'],
      [{ severity: 'low' }, 'low'],
    ])('rates %o as %s', (advisory, severity) => {
      expect(normalizeScanReport('mix_audit', mixAudit(advisory))[0]!.severity).toBe(severity);
    });

    it('takes a dependency without a lock file, and the advisories of mix_audit 1.x', () => {
      const withoutLockfile = mixAudit({}, { package: 'Plug', version: '1.3.0' });
      expect(normalizeScanReport('mix_audit', withoutLockfile)[0]).toMatchObject({
        package: 'plug',
        file: undefined,
      });
      const nullLockfile = mixAudit({}, { package: 'plug', version: '1.3.0', lockfile: null });
      expect(normalizeScanReport('mix_audit', nullLockfile)[0]!.file).toBeUndefined();
      // 1.x, over dependabot's database: `cve`, `patched_versions` requirements, no severity.
      const legacy = {
        pass: false,
        vulnerabilities: [
          {
            advisory: {
              id: '2017-02-28-plug-null-byte',
              package: 'plug',
              disclosure_date: '2017-02-28',
              cve: '2017-1000052',
              url: 'https://elixirforum.com/t/security-releases-for-plug/3913',
              title: 'Null Byte Injection in Plug.Static',
              description: 'Plug.Static ...',
              patched_versions: ['~> 1.0.4', '>= 1.3.2'],
              unaffected_versions: [],
            },
            dependency: { package: 'plug', version: '1.3.0', lockfile: '/app/mix.lock' },
          },
        ],
      };
      expect(normalizeScanReport('mix_audit', legacy)).toEqual([
        {
          rule: 'dependency',
          severity: 'medium',
          title: 'Null Byte Injection in Plug.Static',
          file: '/app/mix.lock',
          package: 'plug',
          version: '1.3.0',
          advisory: '2017-02-28-plug-null-byte',
          fixed_in: [],
        },
      ]);
    });
  });

  describe('mix hex.audit', () => {
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
      expect(normalizeScanReport('hex_audit', 'No retired or security advisory packages found\n')).toEqual(
        [],
      );
    });

    it('reads the table with colours, padding and the closing line, rating each retirement reason', () => {
      const reset = '\u001b[0m';
      const underline = (header: string) => `\u001b[4m${header}${reset}`;
      const row = (...cells: string[]) => `${cells.map((cell) => `${cell}${reset}  `).join('')}  \r`;
      const output = [
        row(underline('Dependency'), underline('Version'), underline('Retirement reason')),
        row('test_package', '0.1.0  ', '(security)'),
        row('old_thing   ', '0.2.0  ', '(invalid) Superseded by v1.0.0'),
        row('renamed_pkg ', '1.0.0  ', '(renamed) now new_pkg, for security fixes'),
        row('other_pkg   ', '2.0.0-rc.1', '(other)'),
        row('legacy      ', '0.3.0  ', '(RETIRED_SECURITY)'),
        '** (Mix) Found retired packages',
      ].join('\n');
      expect(normalizeScanReport('hex_audit', output)).toEqual([
        {
          rule: 'retired',
          severity: 'high',
          title: 'retired: (security)',
          package: 'test_package',
          version: '0.1.0',
        },
        {
          rule: 'retired',
          severity: 'low',
          title: 'retired: (invalid) Superseded by v1.0.0',
          package: 'old_thing',
          version: '0.2.0',
        },
        {
          rule: 'retired',
          severity: 'low',
          title: 'retired: (renamed) now new_pkg, for security fixes',
          package: 'renamed_pkg',
          version: '1.0.0',
        },
        {
          rule: 'retired',
          severity: 'low',
          title: 'retired: (other)',
          package: 'other_pkg',
          version: '2.0.0-rc.1',
        },
        {
          rule: 'retired',
          severity: 'high',
          title: 'retired: (RETIRED_SECURITY)',
          package: 'legacy',
          version: '0.3.0',
        },
      ]);
    });

    it('reads the table of security advisories, each followed by its URL', () => {
      const output = [
        'Dependency  Version  Retirement reason',
        'decimal     1.9.0    (deprecated) upgrade to 2.x',
        '',
        'Dependency    Version  Advisory',
        'test_package  1.1.0    GHSA-test-0001 (HIGH): Remote code execution via crafted input',
        '                         https://github.com/advisories/GHSA-test-0001',
        'test_package  1.1.0    GHSA-test-0002: Another vulnerability',
        '',
        'Found retired packages',
        'Found packages with security advisories',
      ].join('\n');
      expect(normalizeScanReport('hex_audit', output)).toEqual([
        expect.objectContaining({ rule: 'retired', package: 'decimal', severity: 'low' }),
        {
          rule: 'dependency',
          severity: 'high',
          title: 'Remote code execution via crafted input',
          package: 'test_package',
          version: '1.1.0',
          advisory: 'GHSA-test-0001',
        },
        {
          rule: 'dependency',
          severity: 'medium',
          title: 'Another vulnerability',
          package: 'test_package',
          version: '1.1.0',
          advisory: 'GHSA-test-0002',
        },
      ]);
    });

    it('reads the sections of the latest Hex, leaving out what does not fail the audit', () => {
      const bright = (header: string) => `\u001b[1m${header}\u001b[0m`;
      const output = [
        bright('Denied:'),
        '  left_pad 1.0.0 - \u001b[31mdenied by policy rule 3\u001b[0m',
        '',
        bright('Retired:'),
        '  test_package 1.2.0 - \u001b[33m(security)\u001b[0m',
        '',
        bright('Advisories:'),
        '  phoenix 1.7.14 - EEF-CVE-2026-32689 \u001b[31m(CRITICAL)\u001b[0m: Long-poll memory allocation',
        '      https://osv.dev/vulnerability/EEF-CVE-2026-32689',
        '',
        '  mint 1.6.2 - GHSA-xxxx-yyyy-zzzz (NONE): Informational',
        '',
        bright('Policy-accepted retired:'),
        '  poison 3.1.0 - (deprecated) use Jason',
        '    Policy: accepted by override 2',
        '',
        bright('Ignored retired:'),
        '  decimal 1.0.0 - (security) ignored in mix.exs',
        '',
        bright('Ignored advisories:'),
        '  plug 1.16.1 - GHSA-aaaa-bbbb-cccc (HIGH): ignored',
        '',
        'ignore_retirements entry cowboy 2.0.0 (set in mix.exs) does not match any retired locked dependency',
        'Found packages denied by the active policy',
        'Found retired packages',
        'Found packages with security advisories',
      ].join('\n');
      expect(normalizeScanReport('hex_audit', output)).toEqual([
        {
          rule: 'retired',
          severity: 'high',
          title: 'retired: (security)',
          package: 'test_package',
          version: '1.2.0',
        },
        {
          rule: 'dependency',
          severity: 'critical',
          title: 'Long-poll memory allocation',
          package: 'phoenix',
          version: '1.7.14',
          advisory: 'EEF-CVE-2026-32689',
        },
        {
          rule: 'dependency',
          severity: 'low',
          title: 'Informational',
          package: 'mint',
          version: '1.6.2',
          advisory: 'GHSA-xxxx-yyyy-zzzz',
        },
      ]);
    });

    // Each input is 1 MiB on one line. The regex this parser replaced backtracked over the first for
    // minutes, well past the suite's test timeout, so a parser that backtracks fails here.
    const mebibyte = 1 << 20;
    it.each([
      ['a reason followed by a long run of blanks', `a 1.0.0 x${' '.repeat(mebibyte)}y`, ['x']],
      ['a name followed only by blanks', `a${' '.repeat(mebibyte)}`, []],
      ['a reason of many words', `a 1.0.0${' x'.repeat(mebibyte / 2)}`, [` x`.repeat(500).slice(1)]],
      ['a version that never ends', `a ${'1.'.repeat(mebibyte / 2)} x`, []],
      ['an escape sequence that never ends', `\u001b[${'1;'.repeat(mebibyte / 2)}`, []],
      ['escape characters only', '\u001b'.repeat(mebibyte), []],
      [
        'a section row with blanks before its reason',
        `Retired:\n  a 1.0.0 -${' '.repeat(mebibyte)}(security)`,
        ['(security)'],
      ],
    ])('reads %s in one pass', (_shape, output, reasons) => {
      const findings = normalizeScanReport('hex_audit', output);
      expect(findings.map((finding) => finding.title)).toEqual(reasons.map((reason) => `retired: ${reason}`));
    });

    it('refuses a report with more findings than a scan may have', () => {
      const output = Array.from({ length: maxFindings + 1 }, (_, i) => `pkg_${i} 1.0.0 (other)`).join('\n');
      expect(() => normalizeScanReport('hex_audit', output)).toThrow(/^report: has more than 2000 findings$/);
    });
  });

  it('names what is wrong with a report that does not fit its tool', () => {
    expect(() => normalizeScanReport('mix_audit', { pass: 'maybe' })).toThrow(ValidationError);
    expect(() => normalizeScanReport('mix_audit', { pass: 'maybe' })).toThrow(/^report\.pass/);
    expect(() => normalizeScanReport('mix_audit', { pass: true })).toThrow(
      /^report\.vulnerabilities: is required/,
    );
    expect(() =>
      normalizeScanReport('mix_audit', {
        pass: false,
        vulnerabilities: [
          { advisory: { id: 'GHSA-x', package: 'plug' }, dependency: { package: 'plug', version: 1 } },
        ],
      }),
    ).toThrow(/^report\.vulnerabilities\[0\]\.dependency\.version/);
    expect(() => normalizeScanReport('hex_audit', { not: 'text' })).toThrow(/report/);
    expect(() => normalizeScanReport('sobelow', { findings: { high_confidence: [{}] } })).toThrow(
      /report\.findings\.high_confidence\[0\]\.type/,
    );
    expect(() => normalizeScanReport('sobelow', { total_findings: 0 })).toThrow(
      /^report\.findings: is required/,
    );
    expect(() =>
      normalizeScanReport('sobelow', { version: '2.1.0', runs: [{ results: [{ level: 'fatal' }] }] }),
    ).toThrow(/^report\.runs\[0\]\.results\[0\]\.level/);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { storedFindings } from '../../shared/entities/scan.ts';
import { ValidationError } from '../../shared/errors.ts';
import { countBySeverity, normalizeScanReport } from '../../shared/scan-report.ts';

const scans = new URL('../../../shared/scans/', import.meta.url);
const haveShared = existsSync(scans);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, scans), 'utf8'));

describe.skipIf(!haveShared)('real scan outputs from ../shared/scans', () => {
  it('reads Sobelow JSON by confidence', () => {
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.json'));
    expect(findings).toHaveLength(105);
    expect(countBySeverity(findings)).toEqual({ critical: 0, high: 11, medium: 3, low: 91 });
    expect(
      countBySeverity(normalizeScanReport('sobelow', read('sobelow/insecure-phoenix.json'))),
    ).toMatchObject({
      high: 3,
      medium: 6,
      low: 1,
    });
  });

  it('reads Sobelow SARIF with one finding per result', () => {
    const findings = normalizeScanReport('sobelow', read('sobelow/hexpm.sarif'));
    expect(findings).toHaveLength(105);
    expect(findings[0]).toMatchObject({ rule: 'SBLW010', file: 'config/hex.exs', line: 4 });
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

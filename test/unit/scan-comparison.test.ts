import { describe, expect, it } from 'vitest';
import { defaultBranchOf, isOnDefaultBranch } from '../../shared/default-branch.ts';
import { storedFindings } from '../../shared/entities/scan.ts';
import {
  type ComparableScan,
  compareScans,
  failsCheck,
  withFingerprints,
} from '../../shared/scan-comparison.ts';
import type { FingerprintedFinding } from '../../shared/scan-fingerprint.ts';
import type { Severity } from '../../shared/scan-report.ts';

const finding = (fingerprint: string, severity: Severity = 'medium'): FingerprintedFinding => ({
  rule: 'XSS.SendResp',
  severity,
  title: `finding ${fingerprint}`,
  file: 'lib/shop_web/controllers/page_controller.ex',
  line: 10,
  fingerprint,
});

const scanOf = (
  commit: string,
  findings: FingerprintedFinding[],
  fingerprints?: string[],
): ComparableScan => ({
  commit_sha: commit,
  tool: 'sobelow',
  findings,
  ...(fingerprints ? { fingerprints } : {}),
});

describe('compareScans', () => {
  it('sorts a pull request’s findings into new, fixed and unchanged against its base', () => {
    const base = scanOf('b', [finding('kept'), finding('gone', 'high')]);
    const head = scanOf('h', [finding('kept'), finding('added', 'low'), finding('worse', 'critical')]);
    const comparison = compareScans(head, { scan: base, from: 'base_sha' });
    expect(comparison.base).toEqual({ commit_sha: 'b', from: 'base_sha' });
    expect(comparison.new.map((f) => f.fingerprint)).toEqual(['worse', 'added']);
    expect(comparison.fixed.map((f) => f.fingerprint)).toEqual(['gone']);
    expect(comparison.unchanged).toBe(1);
    expect(comparison.unlisted).toEqual({ new: 0, fixed: 0 });
  });

  it('counts every finding new when there is nothing to compare with', () => {
    const comparison = compareScans(scanOf('h', [finding('a'), finding('b')]), undefined);
    expect(comparison.base).toBeUndefined();
    expect(comparison.new).toHaveLength(2);
    expect(comparison.fixed).toEqual([]);
    expect(comparison.unchanged).toBe(0);
  });

  it('stays exact when a scan kept only some of its findings, by its full list of fingerprints', () => {
    // The base kept 'x' only; 'y' was cut from its findings but is in its fingerprints.
    const base = scanOf('b', [finding('x')], ['x', 'y', 'z']);
    const head = scanOf('h', [finding('y'), finding('new')], ['y', 'new', 'unlisted']);
    const comparison = compareScans(head, { scan: base, from: 'default_branch' });
    expect(comparison.new.map((f) => f.fingerprint)).toEqual(['new']);
    expect(comparison.unchanged).toBe(1);
    expect(comparison.fixed.map((f) => f.fingerprint)).toEqual(['x']);
    expect(comparison.unlisted).toEqual({ new: 1, fixed: 1 });
  });
});

describe('failsCheck', () => {
  const comparison = (severity: Severity) =>
    compareScans(scanOf('h', [finding('a', severity)]), { scan: scanOf('b', []), from: 'base_sha' });

  it('fails on a new finding at or above the threshold, and not below it', () => {
    expect(failsCheck([comparison('high')], 'high')).toBe(true);
    expect(failsCheck([comparison('critical')], 'high')).toBe(true);
    expect(failsCheck([comparison('medium')], 'high')).toBe(false);
    expect(failsCheck([comparison('medium')], 'medium')).toBe(true);
    expect(failsCheck([comparison('low')], 'critical')).toBe(false);
  });

  it('never fails on findings the base already had', () => {
    const unchanged = compareScans(scanOf('h', [finding('a', 'critical')]), {
      scan: scanOf('b', [finding('a', 'critical')]),
      from: 'base_sha',
    });
    expect(failsCheck([unchanged], 'low')).toBe(false);
  });
});

describe('the default branch', () => {
  it('is the app’s setting, else what CI says, else main', () => {
    expect(defaultBranchOf('trunk', 'master')).toBe('trunk');
    expect(defaultBranchOf(undefined, 'master')).toBe('master');
    expect(defaultBranchOf(undefined, undefined)).toBe('main');
  });

  it('counts branch scans of it, never a pull request’s, and uploads that name no ref', () => {
    expect(isOnDefaultBranch({ ref: 'refs/heads/main' }, 'main')).toBe(true);
    expect(isOnDefaultBranch({ ref: 'main' }, 'main')).toBe(true);
    expect(isOnDefaultBranch({ ref: 'refs/heads/feature/x' }, 'main')).toBe(false);
    expect(isOnDefaultBranch({ ref: 'refs/heads/main', pull_request: 3 }, 'main')).toBe(false);
    expect(isOnDefaultBranch({ ref: 'refs/pull/3/merge' }, 'main')).toBe(false);
    expect(isOnDefaultBranch({ ref: 'refs/tags/main' }, 'main')).toBe(false);
    expect(isOnDefaultBranch({}, 'main')).toBe(true);
    expect(isOnDefaultBranch({ pull_request: 3 }, 'main')).toBe(false);
  });
});

describe('storedFindings', () => {
  it('keeps the most severe findings when they do not all fit, and every fingerprint', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      ...finding(`f${i}`, i === 1999 ? 'critical' : 'low'),
      title: 'x'.repeat(400),
    }));
    const stored = storedFindings(many);
    expect(stored.truncated).toBe(true);
    expect(stored.findings[0]!.severity).toBe('critical');
    expect(Buffer.byteLength(JSON.stringify(stored.findings))).toBeLessThan(250_000);
    expect(stored.fingerprints).toHaveLength(2000);
  });

  it('lists no fingerprints apart when every finding fits', () => {
    const stored = storedFindings([finding('a')]);
    expect(stored).toEqual({ findings: [finding('a')], truncated: false });
  });
});

describe('withFingerprints', () => {
  it('fingerprints a report stored before findings had fingerprints, so that it compares', () => {
    const { fingerprint: _, ...unmarked } = finding('ignored');
    const stored = {
      commit_sha: 'b',
      tool: 'sobelow' as const,
      findings: [unmarked as FingerprintedFinding],
    };
    const base = withFingerprints(stored);
    expect(base.findings[0]!.fingerprint).toMatch(/^[0-9a-f]{20}$/);
    const head = withFingerprints({
      ...stored,
      commit_sha: 'h',
      findings: [{ ...unmarked, line: 99 } as FingerprintedFinding],
    });
    expect(compareScans(head, { scan: base, from: 'base_sha' })).toMatchObject({
      new: [],
      fixed: [],
      unchanged: 1,
    });
  });

  it('leaves a report whose findings have fingerprints as it is', () => {
    const scan = scanOf('b', [finding('a')], ['a', 'b']);
    expect(withFingerprints(scan)).toBe(scan);
  });
});

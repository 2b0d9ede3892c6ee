import { describe, expect, it } from 'vitest';
import { versionSortKey } from '../../shared/version-key.ts';
import { compareElixirVersions, parseElixirVersion } from '../../shared/versions/elixir-version.ts';
import {
  compareOtpVersions,
  otpApproximateUpper,
  parseOtpVersion,
} from '../../shared/versions/otp-version.ts';
import { parseElixirRequirement, parseRange } from '../../shared/versions/requirement.ts';
import {
  InvalidRequirement,
  VersionMatcher,
  versionKeyBounds,
} from '../../shared/versions/version-matcher.ts';

const elixir = (requirement: string) => new VersionMatcher(parseElixirRequirement(requirement)!, 'elixir');
const otp = (requirement: string) => new VersionMatcher(parseElixirRequirement(requirement)!, 'otp');
const range = (text: string, scheme: 'elixir' | 'otp' = 'elixir') =>
  new VersionMatcher(parseRange(text)!, scheme);

describe('Elixir versions', () => {
  it('orders pre-releases before their release and ignores build metadata', () => {
    const order = (a: string, b: string) =>
      Math.sign(compareElixirVersions(parseElixirVersion(a)!, parseElixirVersion(b)!));
    expect(order('1.0.0-rc.1', '1.0.0')).toBe(-1);
    expect(order('1.0.0-rc.2', '1.0.0-rc.10')).toBe(-1);
    expect(order('1.0.0-1', '1.0.0-alpha')).toBe(-1);
    expect(order('1.0.0-rc', '1.0.0-rc.1')).toBe(-1);
    expect(order('1.0.0+build.1', '1.0.0')).toBe(0);
  });

  it('refuses what Elixir refuses', () => {
    for (const bad of ['1.0', '01.0.0', '1.0.0-01', '1.0.0.0', 'v1.0.0', '1.0.0-']) {
      expect(parseElixirVersion(bad), bad).toBeUndefined();
    }
  });

  it('reads a bare version as == and binds and tighter than or', () => {
    expect(elixir('1.16.1').matches('1.16.1+build')).toBe(true);
    expect(elixir('>= 1.0.0 or >= 2.0.0 and < 2.1.0').matches('2.5.0')).toBe(true);
    expect(elixir('< 1.0.0 or >= 2.0.0 and < 2.1.0').matches('2.5.0')).toBe(false);
  });

  it('never lets ~> admit a pre-release of its upper bound', () => {
    expect(elixir('~> 2.0').matches('2.9.9')).toBe(true);
    expect(elixir('~> 2.0').matches('3.0.0-rc.1')).toBe(false);
    expect(elixir('~> 2.1.2').matches('2.1.9')).toBe(true);
    expect(elixir('~> 2.1.2').matches('2.2.0-alpha')).toBe(false);
  });

  it('refuses numbers over 14 digits instead of comparing them', () => {
    expect(() => elixir('>= 100000000000000.0.0')).toThrow(InvalidRequirement);
    expect(elixir('>= 1.0.0').matches('100000000000000.0.0')).toBe(false);
  });

  it('refuses operands that the operator cannot take', () => {
    expect(() => elixir('>= 1.0')).toThrow(InvalidRequirement);
    expect(parseElixirRequirement('== == 1.0.0')).toBeUndefined();
    expect(parseElixirRequirement('>= 1.0.0 and')).toBeUndefined();
  });
});

describe('Erlang/OTP versions', () => {
  it('compares any number of parts, a missing part counting as 0', () => {
    expect(compareOtpVersions(parseOtpVersion('5.2.11.6')!, parseOtpVersion('5.2.11')!)).toBeGreaterThan(0);
    expect(compareOtpVersions(parseOtpVersion('27.3')!, parseOtpVersion('27.3.0')!)).toBe(0);
    expect(compareOtpVersions(parseOtpVersion('9.2')!, parseOtpVersion('10.0')!)).toBeLessThan(0);
    expect(parseOtpVersion('27.3.4-rc1')).toBeUndefined();
  });

  it('raises the next-to-last part for ~>', () => {
    expect(otpApproximateUpper([5, 2, 11, 6])).toEqual([5, 2, 12]);
    expect(otp('~> 5.2.11').matches('5.2.11.6')).toBe(true);
    expect(otp('~> 5.2.11').matches('5.3')).toBe(false);
  });

  it('matches an OTP release below a branch’s fix', () => {
    const vulnerable = otp('< 27.3.4.1');
    expect(vulnerable.matches('27.3.4')).toBe(true);
    expect(vulnerable.matches('27.3.4.1')).toBe(false);
    expect(vulnerable.matches('26.2.5.12')).toBe(true);
  });
});

describe('GitHub advisory ranges', () => {
  it('joins terms with and, and groups with or', () => {
    const matcher = range('>= 1.3.0, < 1.3.2 || >= 2.0.0, < 2.0.1');
    expect(['1.3.0', '1.3.1', '1.3.2', '2.0.0', '2.0.1'].map((v) => matcher.matches(v))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(range('= 1.2.3').matches('1.2.3')).toBe(true);
    expect(range('<= 5.2.11.5', 'otp').matches('5.2.11.5')).toBe(true);
    expect(parseRange('>= 1.0.0; < 2.0.0')).toBeUndefined();
  });
});

describe('versionKeyBounds', () => {
  const inside = (requirement: VersionMatcher, version: string) => {
    const { low, high } = versionKeyBounds(requirement.numberRange());
    const key = `${versionSortKey(version)}#app`;
    return (low === undefined || key >= low) && (high === undefined || key <= high);
  };

  it('keeps every matching version inside the key range it reads', () => {
    const matcher = range('>= 1.3.0, < 1.3.2 || >= 2.0.0, < 2.0.1');
    for (const version of ['1.3.0', '1.3.0-rc.1', '1.3.1', '1.3.2-rc', '2.0.0', '2.0.0+b']) {
      expect(inside(matcher, version), version).toBe(true);
    }
    expect(inside(matcher, '1.2.9')).toBe(false);
    expect(inside(matcher, '2.0.2')).toBe(false);
  });

  it('is open where the requirement is unbounded', () => {
    expect(versionKeyBounds(elixir('< 1.14.2').numberRange()).low).toBeUndefined();
    expect(versionKeyBounds(elixir('>= 1.0.0 or < 0.5.0').numberRange())).toEqual({});
    expect(versionKeyBounds(elixir('!= 1.0.0').numberRange())).toEqual({});
  });

  it('finds an OTP version stored without its trailing zero', () => {
    expect(inside(otp('== 27.3.0'), '27.3')).toBe(true);
    expect(inside(otp('>= 27.3.0 and < 27.4'), '27.3.4.2')).toBe(true);
  });
});

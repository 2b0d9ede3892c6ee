import { describe, expect, it } from 'vitest';
import { sameRelease, versionSortKey } from '../../shared/version-key.ts';

/** Sort as the table does: by key, with the '#' that follows every key in the index. */
const sortedByKey = (versions: string[]) =>
  [...versions].sort((a, b) => {
    const ka = `${versionSortKey(a)}#`;
    const kb = `${versionSortKey(b)}#`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

describe('versionSortKey', () => {
  it('orders numeric parts by value, not as text', () => {
    expect(sortedByKey(['1.10.0', '1.9.0', '1.16.1', '1.2.3', '10.0.0', '2.0.0'])).toEqual([
      '1.2.3',
      '1.9.0',
      '1.10.0',
      '1.16.1',
      '2.0.0',
      '10.0.0',
    ]);
  });

  it('puts a pre-release before its release and a longer OTP version after it', () => {
    expect(sortedByKey(['5.2.11.6', '5.2.11', '5.2.11-rc.1', '5.2.10.9', '5.2.12'])).toEqual([
      '5.2.10.9',
      '5.2.11-rc.1',
      '5.2.11',
      '5.2.11.6',
      '5.2.12',
    ]);
  });

  it('ignores build metadata, as Elixir does when comparing', () => {
    expect(versionSortKey('1.0.0+build.7')).toBe(versionSortKey('1.0.0'));
    expect(sameRelease('1.0.0+abc', '1.0.0')).toBe(true);
    expect(sameRelease('1.0.0-rc.1', '1.0.0')).toBe(false);
  });

  it('puts versions that are not numeric after every numeric one', () => {
    expect(sortedByKey(['master', '99999999999999.0.0', '0.1.0'])).toEqual([
      '0.1.0',
      '99999999999999.0.0',
      'master',
    ]);
  });

  it('treats leading zeros as the same number', () => {
    expect(versionSortKey('01.002.3')).toBe(versionSortKey('1.2.3'));
  });
});

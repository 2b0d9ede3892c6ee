import { describe, expect, it } from 'vitest';
import { closestNames, editDistance } from '../../shared/package-suggestions.ts';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and swaps of adjacent characters as one edit each', () => {
    expect(editDistance('plug', 'plug')).toBe(0);
    expect(editDistance('plgu', 'plug')).toBe(1);
    expect(editDistance('jasn', 'jason')).toBe(1);
    expect(editDistance('jasonn', 'jason')).toBe(1);
    expect(editDistance('phoenyx', 'phoenix')).toBe(1);
    expect(editDistance('', 'ecto')).toBe(4);
    expect(editDistance('ecto', '')).toBe(4);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  it('is symmetric', () => {
    for (const [a, b] of [
      ['plgu', 'plug'],
      ['telemetry', 'telemtery_poller'],
      ['ab', 'ba'],
    ] as const) {
      expect(editDistance(a, b)).toBe(editDistance(b, a));
    }
  });
});

describe('closestNames', () => {
  const known = [
    'plug',
    'plug_crypto',
    'plug_cowboy',
    'phoenix',
    'phoenix_html',
    'ecto',
    'ecto_sql',
    'jason',
  ];

  it('suggests the names one slip away from a short name', () => {
    expect(closestNames('plgu', known)).toEqual(['plug']);
    expect(closestNames('jsaon', known)).toEqual(['jason']);
    expect(closestNames('ecot', known)).toEqual(['ecto']);
  });

  it('allows more edits for longer names, closest first, then by name', () => {
    expect(closestNames('phoenix_htm', known)).toEqual(['phoenix_html']);
    expect(closestNames('ecto_s', known)).toEqual(['ecto', 'ecto_sql']);
    expect(closestNames('telemetry', ['telemetry_xy', 'telemtry', 'telemetri', 'telemetry_xyzw'])).toEqual([
      'telemetri',
      'telemtry',
      'telemetry_xy',
    ]);
  });

  it('suggests nothing far from every known name, nor the name itself', () => {
    expect(closestNames('telemetry', known)).toEqual([]);
    expect(closestNames('plug', ['plug'])).toEqual([]);
    expect(closestNames('plug', [])).toEqual([]);
  });

  it('suggests at most five names', () => {
    const many = ['aaa', 'aab', 'aac', 'aad', 'aae', 'aaf', 'aag'];
    expect(closestNames('aaz', many)).toEqual(['aaa', 'aab', 'aac', 'aad', 'aae']);
  });
});

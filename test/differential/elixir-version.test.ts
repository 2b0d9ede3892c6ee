import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElixirVersion } from '../../shared/versions/elixir-version.ts';
import { parseElixirRequirement } from '../../shared/versions/requirement.ts';
import { InvalidRequirement, VersionMatcher } from '../../shared/versions/version-matcher.ts';

/**
 * Muster's reading of versions and requirements against the real Elixir's Version.match?/2, on
 * thousands of generated pairs: pre-releases, build metadata, every operator, and/or, ~> with two and
 * three parts, and malformed input. CI installs Elixir; without it this test is skipped.
 */

function elixirAvailable(): boolean {
  try {
    execFileSync('elixir', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick };
}

const numbers = [0, 1, 2, 3, 9, 10, 11, 100, 12345678901234];
const pres = [
  'alpha',
  'beta',
  'rc',
  'rc.1',
  'rc.2',
  'rc.10',
  '0',
  '1',
  '10',
  'alpha.1',
  'alpha.beta',
  'beta.2',
  'x-y',
  '1.2.3',
  'RC1',
  'a',
  'ab',
  'abc',
  '0.a',
];
const builds = ['build', '1', 'sha.5114f85', '001', 'exp.sha'];
const malformedVersions = [
  '1.0',
  '1.0.0.0',
  '01.0.0',
  '1.00.0',
  '1.0.0-',
  '1.0.0-01',
  '1.0.0+',
  '',
  'v1.0.0',
  '1.0.0 ',
  ' 1.0.0',
  '1.0.0-rc..1',
  '1..0',
  '1.0.0-rc_1',
  '1.0.0+b+c',
  'a.b.c',
];
const malformedRequirements = [
  '== == 1.0.0',
  '>= 1.0',
  '~> 1',
  '1.0.0 and',
  'and 1.0.0',
  '>= 1.0.0 && < 2.0.0',
  '>= 1.0.0,< 2.0.0',
  '1.0.0 1.0.1',
  '=1.0.0',
  '>=1.0.0or<2.0.0',
  '',
  ' ',
  'or',
  '> >= 1.0.0',
  '~>',
  '1.0.0 or or 2.0.0',
  '>= 1.0.0 and and < 2.0.0',
  '~> 1.0.0.0',
  '<= 01.0.0',
];

function generateCases(count: number, seed: number): [string, string][] {
  const { next, pick } = random(seed);
  const core = (parts: 2 | 3 = 3) =>
    `${pick(numbers)}.${pick(numbers)}${parts === 3 ? `.${pick(numbers)}` : ''}`;
  const decorate = (base: string) => {
    let text = base;
    if (next() < 0.4) text += `-${pick(pres)}`;
    if (next() < 0.15) text += `+${pick(builds)}`;
    return text;
  };
  const clause = () => {
    const operator = pick(['==', '!=', '>', '>=', '<', '<=', '~>', '', '~>', '>=', '<']);
    const space = pick([' ', '', '  ']);
    const operand = decorate(core(operator === '~>' && next() < 0.5 ? 2 : 3));
    return operator === '' ? operand : `${operator}${space}${operand}`;
  };
  const cases: [string, string][] = [];
  while (cases.length < count) {
    let requirement: string;
    if (next() < 0.05) requirement = pick(malformedRequirements);
    else {
      requirement = clause();
      const extra = Math.floor(next() * 3);
      for (let i = 0; i < extra; i++) requirement += `${pick([' and ', ' or '])}${clause()}`;
    }
    // Versions close to an operand of the requirement are where the interesting verdicts are.
    const operands = requirement.match(/\d+\.\d+(\.\d+)?/g) ?? [];
    let candidate: string;
    const roll = next();
    if (roll < 0.05) candidate = pick(malformedVersions);
    else if (roll < 0.7 && operands.length > 0) {
      const [major, minor, patch = '0'] = pick(operands).split('.');
      const nudge = (n: string) => String(Math.max(0, Number(n) + pick([-1, 0, 0, 0, 1])));
      candidate = decorate(`${major}.${nudge(minor!)}.${nudge(patch)}`);
    } else candidate = decorate(core());
    cases.push([candidate, requirement]);
  }
  return cases;
}

function musterVerdict(version: string, requirement: string): string {
  const clauses = parseElixirRequirement(requirement);
  if (!clauses) return 'invalid_requirement';
  let matcher: VersionMatcher;
  try {
    matcher = new VersionMatcher(clauses, 'elixir');
  } catch (error) {
    if (error instanceof InvalidRequirement) return 'invalid_requirement';
    throw error;
  }
  if (!parseElixirVersion(version)) return 'invalid_version';
  return String(matcher.matches(version));
}

describe.skipIf(!elixirAvailable())('Elixir version semantics, against the real Elixir', () => {
  it('gives Version.match?/2’s verdict on every generated (version, requirement) pair', () => {
    // Numbers over 14 digits are refused by Muster on purpose (a known denial of service), not compared.
    const cases = generateCases(6000, 20261130).filter(
      ([version, requirement]) => !/\d{15,}/.test(version) && !/\d{15,}/.test(requirement),
    );
    const file = join(mkdtempSync(join(tmpdir(), 'muster-versions-')), 'cases.tsv');
    writeFileSync(file, cases.map(([version, requirement]) => `${version}\t${requirement}\n`).join(''));
    const script = new URL('./match.exs', import.meta.url).pathname;
    const output = execFileSync('elixir', [script, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const elixir = output.trimEnd().split('\n');
    expect(elixir).toHaveLength(cases.length);
    const disagreements = cases
      .map(([version, requirement], index) => ({
        version,
        requirement,
        elixir: elixir[index],
        muster: musterVerdict(version, requirement),
      }))
      .filter((row) => row.elixir !== row.muster);
    expect(disagreements.slice(0, 20)).toEqual([]);
    const verdicts = new Set(elixir);
    // The generator must reach every kind of answer, or the comparison proves little.
    expect([...verdicts].sort()).toEqual(['false', 'invalid_requirement', 'invalid_version', 'true']);
    expect(elixir.filter((verdict) => verdict === 'true').length).toBeGreaterThan(cases.length / 10);
  }, 120_000);
});

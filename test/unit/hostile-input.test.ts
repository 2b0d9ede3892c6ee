import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bearerKey, generateApiKey, organizationPattern } from '../../shared/api-keys.ts';
import {
  appEnvironmentKey,
  appListPartition,
  appListSortKey,
} from '../../shared/entities/app-environment.ts';
import { appEnvironmentPartition, dependencyKey } from '../../shared/entities/dependency.ts';
import { auditKey, findingKeys } from '../../shared/entities/finding.ts';
import { instanceKey } from '../../shared/entities/instance.ts';
import { appScanSettingsKey, latestScanKey, pullRequestKey, scanKey } from '../../shared/entities/scan.ts';
import { usageCountKey, usageDriftKey, usageItem } from '../../shared/entities/usage.ts';
import { aliasKey, vulnerabilityKey } from '../../shared/entities/vulnerability.ts';
import { UnauthorizedError, ValidationError } from '../../shared/errors.ts';
import { acceptHeartbeat } from '../../shared/heartbeat.ts';
import { parseLookupQuery } from '../../shared/lookup.ts';
import { queueBody } from '../../shared/queue-body.ts';
import { normalizeScanReport } from '../../shared/scan-report.ts';
import { scanUploadSchema } from '../../shared/scan-upload.ts';
import { suppressionPathSchema } from '../../shared/suppression.ts';
import { type TextKind, textProblem } from '../../shared/text.ts';
import { limitProblem } from '../support/dynamodb-limits.ts';
import { heartbeat } from '../support/fixtures.ts';

describe('the text Muster accepts', () => {
  const kinds: TextKind[] = ['name', 'line', 'lines'];

  it.each([
    ['U+FFFE', '\uFFFE', 'a noncharacter'],
    ['U+FFFF', '\uFFFF', 'a noncharacter'],
    ['U+FDD0', '\uFDD0', 'a noncharacter'],
    ['U+FDEF', '\uFDEF', 'a noncharacter'],
    ['U+1FFFE', '\u{1FFFE}', 'a noncharacter'],
    ['U+10FFFF', '\u{10FFFF}', 'a noncharacter'],
    ['U+D800', '\uD800', 'half of a surrogate pair, not a character'],
    ['U+DFFF', '\uDFFF', 'half of a surrogate pair, not a character'],
    ['U+0000', '\u0000', 'a control character'],
    ['U+007F', '\u007F', 'a control character'],
  ])('refuses %s in every kind of text, naming it', (name, character, what) => {
    for (const kind of kinds) {
      expect(textProblem(`ok ${character} ok`, kind)).toBe(`must be printable text: ${name} is ${what}`);
    }
  });

  it('takes a tab and line breaks only in text of several lines', () => {
    for (const character of ['\t', '\n', '\r', '\u2028', '\u2029']) {
      expect(textProblem(`a${character}b`, 'lines')).toBeUndefined();
      expect(textProblem(`a${character}b`, 'line')).toBeDefined();
    }
  });

  it('refuses invisible formatting characters in names only', () => {
    for (const character of ['\u200B', '\u200D', '\u202E', '\uFEFF']) {
      expect(textProblem(`a${character}b`, 'name')).toMatch(/invisible formatting character$/);
      expect(textProblem(`a${character}b`, 'line')).toBeUndefined();
    }
  });

  it('takes characters outside the Basic Multilingual Plane, private-use and unassigned ones', () => {
    for (const kind of kinds) {
      for (const text of ['\u{1F600}', '\u{10FFFD}', '\uE000', '\u{20000}', '\u{E0FFF}', '\u{3FFFD}']) {
        expect(textProblem(`web ${text}`, kind)).toBeUndefined();
      }
    }
  });

  /** Whether a code point may be in a line of text, by the numbers of the Unicode standard. */
  const takenInLine = (codePoint: number) =>
    !(codePoint >= 0xd800 && codePoint <= 0xdfff) &&
    !(codePoint >= 0xfdd0 && codePoint <= 0xfdef) &&
    (codePoint & 0xfffe) !== 0xfffe &&
    !(codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) &&
    codePoint !== 0x2028 &&
    codePoint !== 0x2029;

  it('refuses a line exactly when one of its code points is refused', () => {
    const codePoint = fc.oneof(
      fc.integer({ min: 0, max: 0x10ffff }),
      fc.constantFrom(0xd800, 0xdfff, 0xfffe, 0x10ffff, 0xfdd0, 0x1f600, 0x2028),
    );
    fc.assert(
      fc.property(fc.array(codePoint, { maxLength: 20 }), (codePoints) => {
        // Surrogate halves are written as UTF-16 code units: any two that pair up form one character.
        const text = codePoints
          .map((point) =>
            point >= 0xd800 && point <= 0xdfff ? String.fromCharCode(point) : String.fromCodePoint(point),
          )
          .join('');
        const taken = [...text].every((character) => takenInLine(character.codePointAt(0)!));
        expect(textProblem(text, 'line') === undefined).toBe(taken);
      }),
    );
  });
});

describe('queue bodies', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('\uFFFE', '\uFFFF', '\uD800', 'a\uDC00b', '\u{1F600}', '\u{10FFFD}', '\u0000', '\u007F'),
  );

  it('are ASCII and parse back to the very message, whatever its strings', () => {
    fc.assert(
      fc.property(fc.dictionary(anyText, fc.oneof(anyText, fc.array(anyText), fc.integer())), (message) => {
        const body = queueBody(message);
        expect(body).toMatch(/^[\x20-\x7e]*$/);
        expect(JSON.parse(body)).toEqual(message);
      }),
    );
  });
});

describe('the bearer key', () => {
  it('is refused when the header carries two credentials, as a repeated header reaches a function', () => {
    const { key } = generateApiKey();
    expect(bearerKey(`Bearer ${key}`)).toBe(key);
    for (const header of [`Bearer ${key},Bearer ${key}`, `Bearer ${key}, Bearer x`, `Bearer ${key},`]) {
      expect(() => bearerKey(header)).toThrow(UnauthorizedError);
    }
  });
});

/**
 * Text around the lengths fields allow (in UTF-16 units, as they count), of characters that are long in
 * UTF-8 or that key parts escape: one character repeated, the longest case, or a mix.
 */
const longText = (min: number, max: number) => {
  const character = fc.constantFrom('a', '%', '#', '\u8A9E', '\u{1F600}');
  return fc.oneof(
    fc.tuple(character, fc.integer({ min, max })).map(([c, units]) => c.repeat(Math.floor(units / c.length))),
    fc.string({ unit: character, minLength: min / 2, maxLength: max / 2 }),
  );
};
const slugLike = (max: number) =>
  fc.string({ unit: fc.constantFrom('a', '-', '.', '_', '9'), minLength: 1, maxLength: max });
const versionLike = fc.string({
  unit: fc.constantFrom('1', '0', '.', '-', 'a', '+'),
  minLength: 1,
  maxLength: 90,
});
const organization = fc
  .string({ unit: fc.constantFrom('a', '9', '-'), minLength: 63, maxLength: 63 })
  .map((text) => `a${text.slice(1)}`);

/** Whether the value is accepted: the property only concerns what validation lets through. */
function accepted(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (error) {
    if (error instanceof ValidationError) return false;
    throw error;
  }
}

const keyProblems = (keys: object[]) => keys.map((key) => limitProblem(key, false)).filter(Boolean);

describe('every key built from what validation accepts fits DynamoDB, in UTF-8', () => {
  it('of a heartbeat: its instance, dependencies, usage rows and app-environment', () => {
    fc.assert(
      fc.property(
        organization,
        slugLike(80),
        slugLike(80),
        longText(150, 320),
        fc
          .string({ unit: fc.constantFrom('a', '_', '9'), minLength: 90, maxLength: 120 })
          .map((name) => `p${name}`),
        versionLike,
        (org, app, environment, instance, name, version) => {
          expect(organizationPattern.test(org)).toBe(true);
          const sent = heartbeat({ app, environment, instance, deps: [{ name, version }] });
          fc.pre(accepted(() => acceptHeartbeat(sent, new Date())));
          const row = {
            app,
            environment,
            package: name,
            version,
            ecosystem: 'hex' as const,
            internet_facing: true,
            handles_pii: true,
            urls: [],
            rank: 7,
            instance_count: 1,
            instances: [instance],
            drift: true,
            release_only: false,
            expires_at: 0,
          };
          expect(
            keyProblems([
              instanceKey(org, app, environment, instance),
              dependencyKey(org, app, environment, instance, name),
              usageItem(org, row),
              usageCountKey(org, name, version),
              usageDriftKey(org, name, app, environment, version),
              appEnvironmentKey(org, app, environment),
              { pk: appEnvironmentPartition(org, app, environment), sk: 'x' },
              {
                gsi1pk: appListPartition(org),
                gsi1sk: appListSortKey(7, { critical: 9999, high: 9999 }, app, environment),
              },
            ]),
          ).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('of a scan: its commit, pull request and the app’s settings', () => {
    fc.assert(
      fc.property(
        organization,
        slugLike(80),
        fc
          .array(fc.string({ unit: fc.constantFrom('a', '-', '.', '9'), minLength: 1, maxLength: 60 }), {
            minLength: 2,
            maxLength: 8,
          })
          .map((parts) => parts.join('/')),
        fc.constantFrom(1, Number.MAX_SAFE_INTEGER),
        (org, app, repository, pullRequest) => {
          const upload = {
            app,
            commit_sha: 'a'.repeat(64),
            tool: 'sobelow',
            repository,
            pull_request: pullRequest,
            report: {},
          };
          fc.pre(scanUploadSchema.safeParse(upload).success);
          expect(
            keyProblems([
              scanKey(org, app, upload.commit_sha, 'mix_audit'),
              latestScanKey(org, app, 'mix_audit'),
              pullRequestKey(org, app, repository, pullRequest),
              appScanSettingsKey(org, app),
            ]),
          ).toEqual([]);
        },
      ),
    );
  });

  it('of a suppression and a lookup: the finding, its audit entry, the advisory and the package', () => {
    fc.assert(
      fc.property(
        organization,
        slugLike(80),
        slugLike(80),
        fc.string({ unit: fc.constantFrom('A', '-', '9', ':', '.'), minLength: 90, maxLength: 120 }),
        fc
          .string({ unit: fc.constantFrom('a', '_'), minLength: 90, maxLength: 120 })
          .map((name) => `p${name}`),
        (org, app, environment, finding, name) => {
          fc.pre(suppressionPathSchema.safeParse({ app, environment, finding }).success);
          fc.pre(accepted(() => parseLookupQuery({ package: name, version: '1.0.0' })));
          fc.pre(accepted(() => parseLookupQuery({ advisory: finding })));
          expect(
            keyProblems([
              findingKeys(org, app, environment, finding),
              auditKey(org, new Date().toISOString(), finding),
              vulnerabilityKey(finding),
              aliasKey(finding),
            ]),
          ).toEqual([]);
        },
      ),
    );
  });
});

describe('scan reports', () => {
  const sobelow = (variable: unknown) => ({
    findings: { high_confidence: [{ type: 'XSS.Raw: XSS', file: 'lib/a.ex', line: 1, variable }] },
  });

  it('refuse a field nested deeper than a report ever is, naming it, and take one of ordinary depth', () => {
    let deep: unknown = 'x';
    for (let depth = 0; depth < 100_000; depth++) deep = [deep];
    expect(() => normalizeScanReport('sobelow', sobelow(deep))).toThrow(
      expect.objectContaining({ field: 'report.findings.high_confidence[0].variable' }),
    );
    expect(normalizeScanReport('sobelow', sobelow([['conn', 'params']]))[0]?.locator).toBe(
      'variable=[["conn","params"]]',
    );
  });

  it('refuse text that cannot be stored wherever the report holds it, naming the finding', () => {
    const refused = [
      ['hex_audit', 'Retired:\n  plug 1.0.0 - (security) \uFFFE\n'],
      ['sobelow', sobelow('\uD800')],
      [
        'sobelow',
        {
          version: '2.1.0',
          runs: [
            {
              results: [
                {
                  ruleId: 'R',
                  locations: [{ physicalLocation: { artifactLocation: { uri: 'a%EF%BF%BF.ex' } } }],
                },
              ],
            },
          ],
        },
      ],
    ] as const;
    for (const [tool, report] of refused) {
      expect(() => normalizeScanReport(tool, report)).toThrow(
        expect.objectContaining({
          field: 'report',
          reason: expect.stringMatching(/^finding 1, \w+: must be printable text/),
        }),
      );
    }
  });

  it('read mix hex.audit output of any words to its end, each finding from a line of its own', () => {
    const word = fc.constantFrom(
      'plug',
      '1.0.0',
      '-',
      '(security)',
      'Retired:',
      'Advisories:',
      'GHSA-x',
      '\u001b[1m',
      ' ',
      '\t',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.array(word, { maxLength: 8 }).map((words) => words.join(' ')),
          { maxLength: 40 },
        ),
        (lines) => {
          const findings = normalizeScanReport('hex_audit', lines.join('\n'));
          expect(findings.length).toBeLessThanOrEqual(lines.length);
        },
      ),
    );
  });
});

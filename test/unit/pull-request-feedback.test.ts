import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import {
  checkRunOutput,
  feedbackMarker,
  markdownText,
  renderComment,
} from '../../shared/pull-request-feedback.ts';
import type { PullRequestReview, ScanComparison } from '../../shared/scan-comparison.ts';
import type { FingerprintedFinding } from '../../shared/scan-fingerprint.ts';
import type { ScanTool } from '../../shared/scan-report.ts';

const zeroWidthSpace = '\u200b';
const asciiPunctuation = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];

/** The text markdown shows for an escaped string: escapes read, zero-width spaces gone. */
const shown = (markdown: string) =>
  markdown.replace(/\\([\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])/g, '$1').replaceAll(zeroWidthSpace, '');

/** The ASCII punctuation characters that no backslash makes literal. */
function unescapedPunctuation(markdown: string): string[] {
  const found: string[] = [];
  for (let index = 0; index < markdown.length; index++) {
    const char = markdown[index]!;
    if (char === '\\') index++;
    else if (asciiPunctuation.includes(char)) found.push(char);
  }
  return found;
}

/** A deterministic generator of awkward strings: punctuation, whitespace, controls and wide characters. */
function* awkwardStrings(count: number): Generator<string> {
  const alphabet = [
    ...asciiPunctuation,
    'a',
    'Z',
    '7',
    ' ',
    '\t',
    '\n',
    '\r\n',
    '\u0000',
    '\u007f',
    'é',
    '😀',
    '\u00a0',
    '\u2028',
  ];
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  for (let n = 0; n < count; n++) {
    const length = next() % 40;
    yield Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
  }
}

describe('markdownText', () => {
  it('makes every ASCII punctuation character literal with a backslash', () => {
    for (const char of asciiPunctuation) {
      const expected = char === '@' || char === '#' ? `\\${char}${zeroWidthSpace}` : `\\${char}`;
      expect(markdownText(`a${char}b`)).toBe(`a${expected}b`);
    }
  });

  it('leaves letters, digits, spaces and other scripts as they are', () => {
    expect(markdownText('Hello wörld 42 日本 😀')).toBe('Hello wörld 42 日本 😀');
  });

  it('escapes everything, on one line, and shows exactly the text it was given', () => {
    for (const text of awkwardStrings(2000)) {
      const markdown = markdownText(text, 1000);
      expect(unescapedPunctuation(markdown)).toEqual([]);
      expect(markdown).not.toMatch(/[\p{Cc}\u2028]/u);
      expect(shown(markdown)).toBe(text.replace(/[\s\p{Cc}]+/gu, ' ').trim());
    }
  });

  it('cannot close a table cell or start a new row', () => {
    const markdown = markdownText('a | b\n| --- |\r\nc\\|d');
    expect(markdown).toBe('a \\| b \\| \\-\\-\\- \\| c\\\\\\|d');
    expect(unescapedPunctuation(markdown)).toEqual([]);
  });

  it('cannot forge Muster’s marker or any HTML', () => {
    expect(markdownText('<!-- muster:scan-feedback app=shop -->')).toBe(
      '\\<\\!\\-\\- muster\\:scan\\-feedback app\\=shop \\-\\-\\>',
    );
    expect(markdownText('<img src=x onerror=alert(1)>')).toBe('\\<img src\\=x onerror\\=alert\\(1\\)\\>');
    expect(markdownText('&lt;b&gt;')).toBe('\\&lt\\;b\\&gt\\;');
  });

  it('cannot make links, images, code or emphasis', () => {
    expect(markdownText('[x](https://evil)')).toBe(`\\[x\\]\\(https\\:${zeroWidthSpace}\\/\\/evil\\)`);
    expect(markdownText('![p](https://evil/p.png)')).toMatch(/^\\!\\\[p\\\]\\\(/);
    expect(markdownText('`code` *em* _em_ ~~del~~ $x$')).toBe(
      '\\`code\\` \\*em\\* \\_em\\_ \\~\\~del\\~\\~ \\$x\\$',
    );
  });

  it('breaks what GitHub links in rendered text: mentions, references, bare URLs', () => {
    expect(markdownText('@org/team and @alice')).toBe(
      `\\@${zeroWidthSpace}org\\/team and \\@${zeroWidthSpace}alice`,
    );
    expect(markdownText('fixes #12 and other/repo#3')).toBe(
      `fixes \\#${zeroWidthSpace}12 and other\\/repo\\#${zeroWidthSpace}3`,
    );
    expect(markdownText('see https://evil.example and www.evil.example')).toBe(
      `see https\\:${zeroWidthSpace}\\/\\/evil\\.example and www${zeroWidthSpace}\\.evil\\.example`,
    );
  });

  it('drops invisible format characters, such as a right-to-left override that disguises a name', () => {
    expect(markdownText('lib/\u202egnp.ex\u200b')).toBe('lib\\/gnp\\.ex');
  });

  it('cuts long text with an ellipsis, never inside a character', () => {
    expect(markdownText('abcdef', 4)).toBe('abc…');
    expect(markdownText('😀😀😀😀😀', 3)).toBe('😀😀…');
    expect(markdownText('abcd', 4)).toBe('abcd');
  });

  it('reads only a prefix of a very long text, and never ends it with half a character', () => {
    expect(markdownText(`${'ab '.repeat(100_000)}`, 5)).toBe('ab a…');
    const cutAtAHalf = markdownText(`a${' '.repeat(18)}${'😀'.repeat(5)}`, 5);
    expect(cutAtAHalf.isWellFormed()).toBe(true);
    expect(cutAtAHalf).toBe('a…');
  });
});

describe('feedbackMarker', () => {
  it('is a hidden comment naming the app', () => {
    expect(feedbackMarker('shop')).toBe('<!-- muster:scan-feedback app=shop -->');
    expect(feedbackMarker('shop-2.web_x')).toBe('<!-- muster:scan-feedback app=shop-2.web_x -->');
  });

  it('refuses an app name that could end the comment', () => {
    expect(() => feedbackMarker('shop --> <b>')).toThrow(ValidationError);
    expect(() => feedbackMarker('')).toThrow(ValidationError);
  });
});

let fingerprints = 0;
function finding(overrides: Partial<FingerprintedFinding> = {}): FingerprintedFinding {
  return {
    rule: 'XSS.Raw',
    severity: 'medium',
    title: 'XSS.Raw: XSS via `raw`',
    file: 'lib/shop_web/templates/page.html.heex',
    line: 12,
    fingerprint: `fp-${++fingerprints}`,
    ...overrides,
  };
}

function comparison(tool: ScanTool, overrides: Partial<ScanComparison> = {}): ScanComparison {
  return {
    tool,
    base: { commit_sha: 'abcdef0123456789abcdef0123456789abcdef01', from: 'base_sha' },
    new: [],
    fixed: [],
    unchanged: 0,
    unlisted: { new: 0, fixed: 0 },
    ...overrides,
  };
}

function review(
  comparisons: ScanComparison[],
  overrides: Partial<PullRequestReview> = {},
): PullRequestReview {
  return {
    app: 'shop',
    repository: 'acme/shop',
    pull_request: 7,
    head_sha: 'f'.repeat(40),
    comparisons,
    fail_on: 'high',
    ...overrides,
  };
}

const phoenixAdvisory = finding({
  rule: 'dependency',
  severity: 'critical',
  title: 'Phoenix: Long-poll NDJSON body splitting causes large memory allocation',
  file: 'mix.lock',
  line: undefined,
  package: 'phoenix',
  version: '1.7.14',
  advisory: 'GHSA-628h-q48j-jr6q',
  fixed_in: ['1.8.6', '1.7.22'],
});

const unpatched = finding({
  rule: 'dependency',
  severity: 'high',
  title: 'Unbounded exponent',
  file: '/home/runner/work/shop/mix.lock',
  line: undefined,
  package: 'decimal',
  version: '2.0.0',
  advisory: 'GHSA-aaaa-bbbb-cccc',
  fixed_in: [],
});

const retired = finding({
  rule: 'retired',
  severity: 'low',
  title: 'retired: (invalid) Bug in encoding',
  file: undefined,
  line: undefined,
  package: 'plug_crypto',
  version: '1.2.0',
});

const sqlInjection = finding({
  rule: 'SQL.Query',
  severity: 'medium',
  title: 'SQL.Query: SQL injection',
  line: 0,
});

/** The rows of the comment's table of new findings. */
const tableRows = (body: string) =>
  body
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Severity') && !line.startsWith('| ---'));

/** A cell boundary is a `|` that no backslash escapes. */
const cellBoundaries = (row: string) => unescapedPunctuation(row).filter((char) => char === '|').length;

describe('renderComment', () => {
  const mixed = review(
    [
      comparison('sobelow', {
        new: [sqlInjection],
        fixed: [finding({ rule: 'XSS.SendResp', severity: 'high', title: 'XSS in send_resp', line: 40 })],
        unchanged: 9,
      }),
      comparison('mix_audit', {
        base: { commit_sha: '0123456789abcdef0123456789abcdef01234567', from: 'default_branch' },
        new: [phoenixAdvisory, unpatched],
        unchanged: 2,
      }),
      comparison('hex_audit', { base: undefined, new: [retired], unlisted: { new: 2, fixed: 0 } }),
    ],
    { dashboard_url: 'https://muster.example/apps/shop' },
  );
  const body = renderComment(mixed);

  it('starts with the marker and a headline counting new findings by severity, unlisted ones too', () => {
    expect(body.startsWith(`${feedbackMarker('shop')}\n### Muster: 6 new findings `)).toBe(true);
    expect(body).toContain('6 new findings (1 critical, 1 high, 1 medium, 1 low, 2 not listed) in shop');
    expect(body).toContain('A new finding of high severity or above fails the check.');
  });

  it('lists new findings worst first, with where, why and how to fix', () => {
    expect(tableRows(body)).toEqual([
      '| critical | mix_audit | dependency | phoenix\\@\u200b1\\.7\\.14 | Phoenix\\: Long\\-poll NDJSON body splitting causes large memory allocation (GHSA\\-628h\\-q48j\\-jr6q) | upgrade to 1\\.8\\.6 or 1\\.7\\.22 |',
      '| high | mix_audit | dependency | decimal\\@\u200b2\\.0\\.0 | Unbounded exponent (GHSA\\-aaaa\\-bbbb\\-cccc) | no fixed version yet |',
      '| medium | sobelow | SQL\\.Query | lib\\/shop\\_web\\/templates\\/page\\.html\\.heex | SQL\\.Query\\: SQL injection | pass user input as query parameters, never interpolated into SQL |',
      '| low | hex_audit | retired | plug\\_crypto\\@\u200b1\\.2\\.0 | retired\\: \\(invalid\\) Bug in encoding | replace or upgrade |',
    ]);
  });

  it('tells an advisory that mix hex.audit reports to upgrade, like mix_audit’s', () => {
    const advisory = finding({
      rule: 'dependency',
      severity: 'high',
      title: 'Plug: header injection',
      package: 'plug',
      version: '1.14.0',
      advisory: 'GHSA-xxxx-yyyy-zzzz',
      fixed_in: ['1.14.2'],
      file: undefined,
      line: undefined,
    });
    const rows = tableRows(renderComment(review([comparison('hex_audit', { new: [advisory] })])));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/\| upgrade to 1\\\.14\\\.2 \|$/);
  });

  it('lists fixed findings and tells what each tool was compared with', () => {
    expect(body).toContain('**Fixed (1)**\n\n- high · sobelow · XSS\\.SendResp in lib\\/shop\\_web');
    expect(body).toContain('**Scans** (11 findings unchanged)');
    expect(body).toContain('- **sobelow**: 1 new, 1 fixed, 9 unchanged; compared with base commit abcdef0.');
    expect(body).toContain(
      "- **mix_audit**: 2 new, 0 fixed, 2 unchanged; compared with the default branch's latest scan (0123456).",
    );
    expect(body).toContain(
      '- **hex_audit**: 3 new, 0 fixed, 0 unchanged; no earlier scan: every finding is new. 2 new and 0 fixed are counted but not listed',
    );
    expect(body).toContain('[Open shop in Muster](https://muster.example/apps/shop)');
  });

  it('gives a hint per rule family for code findings', () => {
    const rules = [
      'XSS.SendResp',
      'Config.CSP',
      'Config.Secrets',
      'Config.Other',
      'Traversal.FileModule',
      'Acme.Rule',
    ];
    const rows = tableRows(
      renderComment(review([comparison('sobelow', { new: rules.map((rule) => finding({ rule })) })])),
    );
    expect(rows.map((row) => row.split(' | ').at(-1))).toEqual([
      'escape the output: no `raw/1`, or `send_resp` of user input without a safe content type |',
      'set a Content-Security-Policy with `put_secure_browser_headers` |',
      'read the secret from the environment at runtime, not from a config file |',
      'review the configuration setting |',
      'do not build file paths from user input |',
      "see the rule in the tool's documentation |",
    ]);
  });

  it('says so when there are no new findings', () => {
    const clean = renderComment(review([comparison('sobelow', { unchanged: 3 })]));
    expect(clean).toContain('### Muster: No new findings in shop');
    expect(tableRows(clean)).toEqual([]);
    expect(clean).not.toContain('**Fixed');
    expect(clean).toContain('- **sobelow**: 0 new, 0 fixed, 3 unchanged; compared with base commit abcdef0.');
  });

  it('keeps hostile report strings inert', () => {
    const hostile = [
      '<!-- muster:scan-feedback app=shop -->',
      '[x](https://evil)',
      '![p](https://evil/p.png)',
      '@org/team please look',
      'a | b | c',
      'line one\nline two\r\n| --- |',
      '<img src=x onerror=alert(1)>',
      '`` ` ``',
      'closes #1',
    ];
    const findings = hostile.map((text) =>
      finding({
        rule: text,
        title: text,
        file: text,
        package: undefined,
        advisory: text,
        fixed_in: [text],
        severity: 'high',
      }),
    );
    const dependency = hostile.map((text) =>
      finding({
        rule: 'dependency',
        title: text,
        package: text,
        version: text,
        fixed_in: [text],
        severity: 'high',
      }),
    );
    const rendered = renderComment(
      review([
        comparison('sobelow', { new: findings, fixed: findings }),
        comparison('mix_audit', { new: dependency }),
      ]),
    );
    const marker = feedbackMarker('shop');
    expect(rendered.indexOf(marker)).toBe(0);
    expect(rendered.lastIndexOf(marker)).toBe(0);
    const afterMarker = rendered.slice(marker.length);
    // Muster's own markdown here uses none of these: any unescaped one came from a report.
    expect(unescapedPunctuation(afterMarker).filter((char) => '<>[]!`'.includes(char))).toEqual([]);
    expect(afterMarker).not.toMatch(/@(?!\u200b)|#(?![\u200b# ])|:\/\//);
    const rows = tableRows(rendered);
    expect(rows).toHaveLength(hostile.length * 2);
    for (const row of rows) expect(cellBoundaries(row)).toBe(7);
  });

  it('keeps the worst findings and counts the rest, well under GitHub’s comment limit', () => {
    const longTitle = `${'<@a|[x](y)> '.repeat(40)}`;
    const many = Array.from({ length: 2000 }, (_, index) =>
      finding({
        severity: index < 5 ? 'critical' : 'low',
        title: longTitle,
        file: `lib/${'deep/'.repeat(100)}file_${index}.ex`,
        rule: `XSS.${'Raw'.repeat(60)}`,
      }),
    );
    const rendered = renderComment(
      review([comparison('sobelow', { new: many.slice().reverse(), fixed: many })]),
    );
    expect(rendered.length).toBeLessThan(60_000);
    const rows = tableRows(rendered);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.slice(0, 5).every((row) => row.startsWith('| critical |'))).toBe(true);
    expect(rendered).toContain(`…and ${2000 - rows.length} more new.`);
    expect(rendered).toMatch(/- …and \d+ more\n/);
  });

  it('links only an http(s) dashboard, its parentheses encoded', () => {
    const link = (dashboard_url: string) => renderComment(review([], { dashboard_url }));
    expect(link('https://muster.example/a(b)')).toContain('(https://muster.example/a%28b%29)');
    expect(link('javascript:alert(1)')).not.toContain('Open shop');
  });
});

describe('checkRunOutput', () => {
  it('annotates each new finding, failing at the default threshold of high', () => {
    const output = checkRunOutput(
      review([
        comparison('sobelow', {
          new: [sqlInjection, finding({ severity: 'low', file: './lib/a.ex', line: 3 })],
        }),
        comparison('mix_audit', { new: [phoenixAdvisory, unpatched] }),
        comparison('hex_audit', { new: [retired] }),
      ]),
    );
    expect(output.conclusion).toBe('failure');
    expect(output.title).toBe('5 new findings (1 critical, 1 high, 1 medium, 2 low)');
    expect(output.summary.startsWith('### Muster: 5 new findings')).toBe(true);
    expect(output.summary).not.toContain('<!--');
    expect(
      output.annotations.map(({ path, start_line, end_line, annotation_level }) => [
        path,
        start_line,
        end_line,
        annotation_level,
      ]),
    ).toEqual([
      ['mix.lock', 1, 1, 'failure'],
      // An absolute lockfile path is outside the repository.
      ['mix.lock', 1, 1, 'failure'],
      // Line 0 is no line.
      ['lib/shop_web/templates/page.html.heex', 1, 1, 'warning'],
      ['lib/a.ex', 3, 3, 'notice'],
      ['mix.lock', 1, 1, 'notice'],
    ]);
    expect(output.annotations[0]).toMatchObject({
      title: 'critical · mix_audit · dependency',
      message:
        'Phoenix: Long-poll NDJSON body splitting causes large memory allocation (GHSA-628h-q48j-jr6q)\nWhere: phoenix@1.7.14\nHow to fix: upgrade to 1.8.6 or 1.7.22',
    });
  });

  it('follows a custom threshold', () => {
    const findings = [finding({ severity: 'high' }), finding({ severity: 'low' })];
    const atCritical = checkRunOutput(
      review([comparison('sobelow', { new: findings })], { fail_on: 'critical' }),
    );
    expect(atCritical.conclusion).toBe('success');
    expect(atCritical.annotations.map((annotation) => annotation.annotation_level)).toEqual([
      'warning',
      'notice',
    ]);
    const atLow = checkRunOutput(review([comparison('sobelow', { new: findings })], { fail_on: 'low' }));
    expect(atLow.conclusion).toBe('failure');
    expect(atLow.annotations.map((annotation) => annotation.annotation_level)).toEqual([
      'failure',
      'failure',
    ]);
  });

  it('succeeds with no new findings, whatever was fixed', () => {
    const output = checkRunOutput(
      review([comparison('sobelow', { fixed: [finding({ severity: 'critical' })] })]),
    );
    expect(output).toMatchObject({ conclusion: 'success', title: 'No new findings', annotations: [] });
  });

  it('stays within GitHub’s limits for the summary, annotation titles and messages', () => {
    const huge = 'x😀\n'.repeat(5000);
    const many = Array.from({ length: 2000 }, () =>
      finding({ severity: 'high', title: huge, rule: huge, file: huge, advisory: huge }),
    );
    const output = checkRunOutput(review([comparison('sobelow', { new: many, fixed: many })]));
    expect(output.summary.length).toBeLessThanOrEqual(65_535);
    expect(output.annotations).toHaveLength(2000);
    for (const annotation of output.annotations) {
      expect(annotation.title.length).toBeLessThanOrEqual(255);
      expect(annotation.title).not.toContain('\n');
      expect(Buffer.byteLength(annotation.message)).toBeLessThanOrEqual(64 * 1024);
    }
  });
});

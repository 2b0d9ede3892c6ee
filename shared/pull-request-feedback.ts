import { bySeverity } from './advisories/vulnerability.ts';
import { ValidationError } from './errors.ts';
import { failsCheck, type PullRequestReview, type ScanComparison } from './scan-comparison.ts';
import type { FingerprintedFinding } from './scan-fingerprint.ts';
import { countBySeverity, type ScanTool, type Severity } from './scan-report.ts';

/**
 * What Muster tells a pull request: one comment (found again by its marker, so that later runs update
 * it) and a check run with one annotation per new finding. Every string from a report is untrusted, as
 * anyone who can open a pull request can make a scanner print what they like: it goes through
 * `markdownText` before it reaches markdown, so that it can neither ping people, link elsewhere, nor
 * forge Muster's own marker.
 */

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface CheckRunOutput {
  conclusion: 'success' | 'failure';
  title: string;
  summary: string;
  annotations: CheckAnnotation[];
}

/**
 * How much of the body the listings may take, so that the whole stays well under GitHub's limits
 * (65,536 characters for a comment, 65,535 for a check run's summary) however long the findings' texts.
 */
const newListingBudget = 40_000;
const fixedListingBudget = 12_000;
/** More rows than these do not help a reviewer; the worst come first and the rest are counted. */
const maxListedNew = 100;
const maxListedFixed = 50;

const appName = /^[a-z0-9_.-]+$/;

/** The hidden comment that identifies Muster's comment for one app on a pull request. */
export function feedbackMarker(app: string): string {
  if (!appName.test(app)) throw new ValidationError('app', 'must be a-z, 0-9, _, - and .');
  return `<!-- muster:scan-feedback app=${app} -->`;
}

/**
 * Text on one line: control and line-break characters become spaces (a newline would end a table row),
 * invisible format characters go (bidirectional overrides could disguise a file name), and what is
 * longer than `maxLength` characters is cut with an ellipsis. Only a prefix of a very long text is
 * read, so that thousands of findings render quickly: the rest would be cut anyway unless it is
 * nearly all whitespace.
 */
function oneLine(text: string, maxLength: number): string {
  let readable = text;
  if (text.length > maxLength * 4) {
    const end = maxLength * 4;
    const highSurrogate = text.charCodeAt(end - 1) >= 0xd800 && text.charCodeAt(end - 1) <= 0xdbff;
    readable = text.slice(0, highSurrogate ? end - 1 : end);
  }
  const plain = readable
    .replace(/\p{Cf}/gu, '')
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\s]+/gu, ' ')
    .trim();
  const characters = Array.from(plain);
  if (characters.length <= maxLength && readable === text) return plain;
  return `${characters.slice(0, maxLength - 1).join('')}…`;
}

const zeroWidthSpace = '\u200b';

/**
 * Untrusted text made literal in GitHub-flavoured markdown, table cells included. Every ASCII
 * punctuation character is backslash-escaped, which CommonMark renders as the character itself: no
 * link, image, emphasis, code span, HTML (so no comment that could pass for Muster's marker), table
 * break or math can start. GitHub links mentions, issue references and bare URLs in the rendered text,
 * after escapes are read, so a zero-width space goes after each `@` and `#`, and inside `://` and `www.`.
 */
export function markdownText(text: string, maxLength = 200): string {
  return oneLine(text, maxLength)
    .replace(/[@#]/g, `$&${zeroWidthSpace}`)
    .replace(/:(?=\/\/)/g, `:${zeroWidthSpace}`)
    .replace(/(?<=\bwww)\./gi, `${zeroWidthSpace}.`)
    .replace(/[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]/g, '\\$&');
}

/** A finding with the tool that reported it, as the listings take them. */
interface ToolFinding {
  tool: ScanTool;
  finding: FingerprintedFinding;
}

/** The findings of every comparison, worst first (tools in their order within one severity). */
function worstFirst(comparisons: ScanComparison[], which: 'new' | 'fixed'): ToolFinding[] {
  return comparisons
    .flatMap((comparison) => comparison[which].map((finding) => ({ tool: comparison.tool, finding })))
    .sort((a, b) => bySeverity(a.finding.severity, b.finding.severity));
}

/** Hints for Sobelow's checks, the most specific first: a check type, or the namespace of several. */
const codeFixHints: [check: string, hint: string][] = [
  ['Config.CSRFRoute', 'route a state-changing action by POST only, not also by GET'],
  ['Config.CSRF', 'keep `:protect_from_forgery` in the browser pipeline'],
  ['Config.CSWH', 'set `check_origin` on the socket'],
  ['Config.CSP', 'set a Content-Security-Policy with `put_secure_browser_headers`'],
  ['Config.Headers', 'add `put_secure_browser_headers` to the browser pipeline'],
  ['Config.HTTPS', 'enable `force_ssl` with HSTS'],
  ['Config.HSTS', 'enable HSTS in `force_ssl`'],
  ['Config.Secrets', 'read the secret from the environment at runtime, not from a config file'],
  ['Config', 'review the configuration setting'],
  ['XSS', 'escape the output: no `raw/1`, or `send_resp` of user input without a safe content type'],
  ['SQL', 'pass user input as query parameters, never interpolated into SQL'],
  ['Traversal', 'do not build file paths from user input'],
  ['RCE', 'never evaluate user input as code'],
  ['CI', 'do not pass user input to `System.cmd` or `:os.cmd`'],
  ['Misc.BinToTerm', 'use `Plug.Crypto.non_executable_binary_to_term/2`'],
  ['DOS', 'do not create atoms from user input'],
  ['Vuln', 'upgrade the framework package the finding names'],
];

function codeFixHint(rule: string): string {
  const match = codeFixHints.find(([check]) => rule === check || rule.startsWith(`${check}.`));
  return match?.[1] ?? "see the rule in the tool's documentation";
}

/** What to do about a finding, its versions written by `text` (escaped for markdown, or plain). */
function howToFix(
  { tool, finding }: ToolFinding,
  text: (value: string, maxLength: number) => string,
): string {
  // Dependency advisories come from mix_audit and from newer `mix hex.audit`; the rest of hex.audit's
  // findings are retired packages.
  if (finding.advisory !== undefined) {
    const fixedIn = (finding.fixed_in ?? []).slice(0, 3).map((version) => text(version, 64));
    return fixedIn.length > 0 ? `upgrade to ${fixedIn.join(' or ')}` : 'no fixed version yet';
  }
  if (tool === 'hex_audit') return 'replace or upgrade';
  return codeFixHint(finding.rule);
}

/** A dependency as `package@version`, else code as `file:line`, or undefined for neither. */
function locationOf(finding: FingerprintedFinding): string | undefined {
  if (finding.package !== undefined) return `${finding.package}@${finding.version ?? '?'}`;
  if (finding.file === undefined) return undefined;
  return finding.line !== undefined && finding.line >= 1 ? `${finding.file}:${finding.line}` : finding.file;
}

function why(finding: FingerprintedFinding): string {
  const title = markdownText(finding.title);
  return finding.advisory ? `${title} (${markdownText(finding.advisory, 64)})` : title;
}

function newFindingRow(entry: ToolFinding): string {
  const { tool, finding } = entry;
  const location = locationOf(finding);
  return `| ${finding.severity} | ${tool} | ${markdownText(finding.rule, 100)} | ${location ? markdownText(location, 300) : '–'} | ${why(finding)} | ${howToFix(entry, markdownText)} |`;
}

function fixedFindingLine({ tool, finding }: ToolFinding): string {
  const location = locationOf(finding);
  const where = location ? ` in ${markdownText(location, 300)}` : '';
  return `- ${finding.severity} · ${tool} · ${markdownText(finding.rule, 100)}${where}: ${why(finding)}`;
}

/**
 * As many items, rendered as lines, as fit both the count and the length, in the order given, and how
 * many did not. Items are rendered only until the listing is full, as a scan may have thousands.
 */
function fitting<T>(
  items: T[],
  render: (item: T) => string,
  maxLines: number,
  maxLength: number,
): { shown: string[]; omitted: number } {
  const shown: string[] = [];
  let length = 0;
  for (const item of items) {
    if (shown.length === maxLines) break;
    const line = render(item);
    if (length + line.length + 1 > maxLength) break;
    shown.push(line);
    length += line.length + 1;
  }
  return { shown, omitted: items.length - shown.length };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** "3 new findings (1 critical, 2 high)", counting those not listed as well, or "No new findings". */
function headline(review: PullRequestReview): string {
  const listed = review.comparisons.flatMap((comparison) => comparison.new);
  const unlisted = review.comparisons.reduce((sum, comparison) => sum + comparison.unlisted.new, 0);
  const total = listed.length + unlisted;
  if (total === 0) return 'No new findings';
  const counts = countBySeverity(listed);
  const parts = (Object.keys(counts) as Severity[])
    .filter((severity) => counts[severity] > 0)
    .map((severity) => `${counts[severity]} ${severity}`);
  if (unlisted > 0) parts.push(`${unlisted} not listed`);
  return `${plural(total, 'new finding')} (${parts.join(', ')})`;
}

function comparedWith(comparison: ScanComparison): string {
  const { base } = comparison;
  if (!base) return 'no earlier scan: every finding is new';
  const commit = markdownText(base.commit_sha.slice(0, 7), 7);
  return base.from === 'base_sha'
    ? `compared with base commit ${commit}`
    : `compared with the default branch's latest scan (${commit})`;
}

function toolLine(comparison: ScanComparison): string {
  const { unlisted } = comparison;
  const counts = `${comparison.new.length + unlisted.new} new, ${comparison.fixed.length + unlisted.fixed} fixed, ${comparison.unchanged} unchanged`;
  const notListed =
    unlisted.new + unlisted.fixed > 0
      ? ` ${unlisted.new} new and ${unlisted.fixed} fixed are counted but not listed, as the scan had more findings than Muster keeps.`
      : '';
  return `- **${comparison.tool}**: ${counts}; ${comparedWith(comparison)}.${notListed}`;
}

/** A link target for markdown: an http(s) URL with the characters that would end the target encoded. */
function linkTarget(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.href.replaceAll('(', '%28').replaceAll(')', '%29');
  } catch {
    return undefined;
  }
}

/** The feedback in markdown, without the marker: the comment's body and the check run's summary. */
function renderFeedback(review: PullRequestReview): string {
  const sections = [
    `### Muster: ${headline(review)} in ${markdownText(review.app, 64)}`,
    `A new finding of ${review.fail_on} severity or above fails the check.`,
  ];

  const newRows = fitting(
    worstFirst(review.comparisons, 'new'),
    newFindingRow,
    maxListedNew,
    newListingBudget,
  );
  if (newRows.shown.length > 0) {
    sections.push(
      [
        '| Severity | Tool | Rule | Where | Why | How to fix |',
        '| --- | --- | --- | --- | --- | --- |',
        ...newRows.shown,
      ].join('\n'),
    );
    if (newRows.omitted > 0) sections.push(`…and ${newRows.omitted} more new.`);
  }

  const fixed = worstFirst(review.comparisons, 'fixed');
  if (fixed.length > 0) {
    const fixedLines = fitting(fixed, fixedFindingLine, maxListedFixed, fixedListingBudget);
    const more = fixedLines.omitted > 0 ? [`- …and ${fixedLines.omitted} more`] : [];
    sections.push([`**Fixed (${fixed.length})**`, '', ...fixedLines.shown, ...more].join('\n'));
  }

  const unchanged = review.comparisons.reduce((sum, comparison) => sum + comparison.unchanged, 0);
  if (review.comparisons.length > 0) {
    sections.push(
      [`**Scans** (${plural(unchanged, 'finding')} unchanged)`, '', ...review.comparisons.map(toolLine)].join(
        '\n',
      ),
    );
  }

  const dashboard = review.dashboard_url && linkTarget(review.dashboard_url);
  if (dashboard) sections.push(`[Open ${markdownText(review.app, 64)} in Muster](${dashboard})`);
  return sections.join('\n\n');
}

/** Muster's comment on a pull request, starting with the marker that finds it again. */
export function renderComment(review: PullRequestReview): string {
  return `${feedbackMarker(review.app)}\n${renderFeedback(review)}\n`;
}

/**
 * Where GitHub shows an annotation: the finding's file when it is a path inside the repository, else
 * `mix.lock` (a dependency's home, and a file every Mix project has), on line 1 when no line is known.
 */
function annotationPlace(finding: FingerprintedFinding): { path: string; line: number } {
  const file = finding.file?.replace(/^(\.\/)+/, '');
  const insideRepository =
    file !== undefined &&
    file !== '' &&
    !file.startsWith('/') &&
    !/^[a-z][a-z0-9+.-]*:/i.test(file) &&
    !file.split('/').includes('..');
  const line =
    finding.line !== undefined && Number.isInteger(finding.line) && finding.line >= 1 ? finding.line : 1;
  return insideRepository ? { path: file, line } : { path: 'mix.lock', line: 1 };
}

function annotationOf(entry: ToolFinding, failOn: Severity): CheckAnnotation {
  const { tool, finding } = entry;
  const { path, line } = annotationPlace(finding);
  const level =
    bySeverity(finding.severity, failOn) <= 0 ? 'failure' : finding.severity === 'low' ? 'notice' : 'warning';
  const location = locationOf(finding);
  const message = [
    oneLine(finding.title, 1000) + (finding.advisory ? ` (${oneLine(finding.advisory, 64)})` : ''),
    location ? `Where: ${oneLine(location, 300)}` : undefined,
    `How to fix: ${howToFix(entry, oneLine)}`,
  ].filter((part) => part !== undefined);
  return {
    path,
    start_line: line,
    end_line: line,
    annotation_level: level,
    // GitHub takes at most 255 characters of title and 64 KB of message: the pieces' caps keep far under.
    title: `${finding.severity} · ${tool} · ${oneLine(finding.rule, 100)}`,
    message: message.join('\n'),
  };
}

/** The check run on the head commit: failed when a new finding reaches `fail_on`, one annotation per new finding. */
export function checkRunOutput(review: PullRequestReview): CheckRunOutput {
  return {
    conclusion: failsCheck(review.comparisons, review.fail_on) ? 'failure' : 'success',
    title: headline(review),
    summary: renderFeedback(review),
    annotations: worstFirst(review.comparisons, 'new').map((entry) => annotationOf(entry, review.fail_on)),
  };
}

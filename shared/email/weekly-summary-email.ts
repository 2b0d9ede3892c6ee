import type { Severity } from '../advisories/vulnerability.ts';
import type {
  ActionFinding,
  AppEnvironmentFlags,
  FindingChange,
  NeedsAction,
  NewAdvisory,
  RuntimeCount,
  WeeklySummary,
} from '../weekly-summary.ts';
import { type Html, html } from './html.ts';
import {
  type EmailLinks,
  emailDocument,
  flagChips,
  heading,
  mutedParagraph,
  mutedText,
  panel,
  paragraph,
  type RenderedEmail,
  rows,
  section,
  severityBadge,
  textDocument,
} from './layout.ts';
import { counted, oneLine, severityWord, subjectLine, utcTime } from './wording.ts';

/**
 * The weekly summary as an email: the subject says what matters most, the HTML and plain-text parts
 * carry the same facts in the same order (see WeeklySummary). Long lists are cut, worst first kept,
 * with how many more there are, so that a large fleet's email stays whole in Gmail, which clips
 * messages past about 100 KB (and with them the unsubscribe link).
 */

// Sized so that the worst case, with long advisory summaries, stays under Gmail's limit.
const maxAppEnvironments = 15;
const maxFindingsPerAppEnvironment = 5;
const maxFindings = 30;
const maxRows = 15;

interface Shown<T> {
  shown: T[];
  more: number;
}

/** The first `max` items, and how many more there are. */
const firstOf = <T>(items: T[], max: number): Shown<T> => ({
  shown: items.slice(0, max),
  more: Math.max(0, items.length - max),
});

interface ListedAppEnvironment {
  entry: NeedsAction;
  findings: Shown<ActionFinding>;
}

/**
 * The app-environments that need action as the email lists them, the most urgent first, each with
 * its worst findings, within the limits on app-environments, findings per app-environment and
 * findings in all.
 */
function needsActionShown(summary: WeeklySummary): Shown<ListedAppEnvironment> {
  const { shown, more } = firstOf(summary.needs_action, maxAppEnvironments);
  let budget = maxFindings;
  return {
    shown: shown.map((entry) => {
      const findings = firstOf(entry.findings, Math.min(maxFindingsPerAppEnvironment, budget));
      budget -= findings.shown.length;
      return { entry, findings };
    }),
    more,
  };
}

const andMore = (more: number, noun: string, plural = `${noun}s`): string =>
  `…and ${counted(more, `more ${noun}`, `more ${plural}`)}.`;

/** The findings of an app-environment that the email leaves out, some of them or, past the limit, all. */
const moreFindings = ({ shown, more }: Shown<ActionFinding>): string =>
  shown.length > 0 ? andMore(more, 'finding') : `Findings not listed here: ${more}.`;

function headline({ critical, high }: WeeklySummary['totals']['internet_facing']): string {
  if (critical === 0 && high === 0) return 'no critical or high findings on internet-facing apps this week';
  const noun = critical + high === 1 ? 'finding' : 'findings';
  const counts = [critical > 0 ? `${critical} critical` : '', high > 0 ? `${high} high` : '']
    .filter(Boolean)
    .join(' and ');
  return `${counts} ${noun} on internet-facing apps`;
}

const flagWords = (flags: AppEnvironmentFlags): string[] => [
  ...(flags.production ? ['production'] : []),
  ...(flags.internet_facing ? ['internet-facing'] : []),
  ...(flags.handles_pii ? ['personal data'] : []),
];

const place = (entry: { app: string; environment: string }): string =>
  `${oneLine(entry.app)} / ${oneLine(entry.environment)}`;

const aliasesOf = (aliases: string[]): string =>
  aliases.length > 0 ? ` (${aliases.map(oneLine).join(', ')})` : '';

// The facts of each entry in words, shared by both parts so that they cannot say different things.

const packagesLine = (finding: ActionFinding): string =>
  `${finding.packages
    .map(({ package: name, versions }) => `${oneLine(name)} ${versions.map(oneLine).join(', ')}`)
    .join('; ')} on ${counted(finding.instance_count, 'instance')}`;

const fixLine = (finding: ActionFinding): string =>
  finding.fixed_in === null
    ? 'Fixed in: no fixed version yet'
    : `Fixed in: ${oneLine(finding.packages[0]?.package ?? '')} ${oneLine(finding.fixed_in)}`;

const adviceLine = (finding: ActionFinding): string => `What to do: ${oneLine(finding.advice)}`;

const scanLine = ({ scan }: NeedsAction): string =>
  `Latest scans: ${scan.critical} critical, ${scan.high} high, ${scan.medium} medium, ${scan.low} low`;

const hasScanFindings = ({ scan }: NeedsAction): boolean =>
  scan.critical + scan.high + scan.medium + scan.low > 0;

const changeLine = (change: FindingChange): string =>
  `${oneLine(change.vulnerability)} in ${change.packages.map(oneLine).join(', ')} on ${place(change)}`;

const advisoryReach = (advisory: NewAdvisory): string =>
  `Affects ${counted(advisory.app_environments, 'app-environment')} and ${counted(advisory.instances, 'instance')}; published ${utcTime(advisory.published)}`;

const silentLine = (entry: WeeklySummary['not_checked']['silent'][number]): string =>
  `${place(entry)}: agents silent${entry.last_seen ? ` since ${utcTime(entry.last_seen)}` : ''}`;

const unscannedLine = (entry: WeeklySummary['not_checked']['unscanned'][number]): string =>
  `${oneLine(entry.app)} (${entry.environments.map(oneLine).join(', ')}): ${
    entry.last_scan_at === null
      ? 'never scanned'
      : `last scanned ${counted(entry.age_days ?? 0, 'day')} ago, on ${utcTime(entry.last_scan_at)}`
  }`;

const runtimeLine = (runtime: RuntimeCount): string =>
  `${oneLine(runtime.version)}: ${counted(runtime.instances, 'instance')}`;

const totalsLines = (summary: WeeklySummary): string[] => {
  const { totals } = summary;
  return [
    `${counted(totals.app_environments, 'app-environment')}; ${counted(totals.instances.running, 'running instance')}, ${totals.instances.stale} stale.`,
    `This week: ${counted(totals.opened, 'finding')} opened, ${totals.fixed} fixed.`,
  ];
};

const emptyStates = {
  needsAction: 'No internet-facing app has open critical or high findings.',
  opened: 'No findings were opened this week.',
  fixed: 'No findings were fixed this week.',
  newAdvisories: 'No advisory published this week affects your apps.',
  notChecked: (days: number) =>
    `Every app-environment's agents reported in, and every internet-facing app was scanned in the last ${counted(days, 'day')}.`,
  runtimes: 'No live instance reported its Elixir or OTP release.',
};

const titles = {
  needsAction: 'Needs action',
  opened: 'Opened this week',
  fixed: 'Fixed this week',
  newAdvisories: 'New advisories this week',
  notChecked: 'Not checked',
  runtimes: 'Runtimes in use',
};

const notCheckedCount = (summary: WeeklySummary): number =>
  summary.not_checked.silent.length + summary.not_checked.unscanned.length;

const reasonOfEmail = (org: string) =>
  `You receive this weekly summary because you are on ${oneLine(org)}'s summary list in Muster.`;

/** The headline as the email's heading: "3 critical findings on internet-facing apps". */
function titleOf(summary: WeeklySummary): string {
  const words = headline(summary.totals.internet_facing);
  return `${words[0]!.toUpperCase()}${words.slice(1)}`;
}

const kickerOf = (summary: WeeklySummary): string =>
  `Muster weekly summary for ${oneLine(summary.org)} · ${oneLine(summary.week)}`;

function subjectOf(summary: WeeklySummary): string {
  return subjectLine(`${summary.org}: ${headline(summary.totals.internet_facing)}`);
}

// HTML

const strong = (text: string): Html => html`<strong>${text}</strong>`;

function findingHtml(finding: ActionFinding): Html {
  return html`<div style="margin:10px 0 0;">${paragraph(
    html`${severityBadge(finding.severity)} ${strong(oneLine(finding.vulnerability))}${aliasesOf(finding.aliases)}`,
  )}${finding.summary ? paragraph(oneLine(finding.summary)) : ''}${mutedParagraph(
    html`${packagesLine(finding)}<br>${fixLine(finding)}<br>${adviceLine(finding)}`,
  )}</div>`;
}

function needsActionHtml({ entry, findings: { shown, more } }: ListedAppEnvironment): Html {
  return panel(
    html`${paragraph(strong(place(entry)))}<div style="margin:0 0 6px;">${flagChips(flagWords(entry.flags))}</div>${mutedParagraph(entry.reason)}${shown.map(findingHtml)}${
      more > 0 ? mutedParagraph(moreFindings({ shown, more })) : ''
    }${hasScanFindings(entry) ? mutedParagraph(scanLine(entry)) : ''}`,
  );
}

function changesHtml(changes: FindingChange[], empty: string): Html {
  if (changes.length === 0) return mutedParagraph(empty);
  const { shown, more } = firstOf(changes, maxRows);
  return html`${rows(
    shown.map(
      (change) =>
        html`${severityBadge(change.severity)} ${changeLine(change)}, ${mutedText(utcTime(change.at))}`,
    ),
  )}${more > 0 ? mutedParagraph(andMore(more, 'finding')) : ''}`;
}

function newAdvisoriesHtml(advisories: NewAdvisory[]): Html {
  if (advisories.length === 0) return mutedParagraph(emptyStates.newAdvisories);
  const { shown, more } = firstOf(advisories, maxRows);
  return html`${rows(
    shown.map(
      (advisory) =>
        html`${severityBadge(advisory.severity)} ${strong(oneLine(advisory.vulnerability))}${aliasesOf(advisory.aliases)}${
          advisory.summary ? html`<br>${oneLine(advisory.summary)}` : ''
        }<br>${mutedText(advisoryReach(advisory))}`,
    ),
  )}${more > 0 ? mutedParagraph(andMore(more, 'advisory', 'advisories')) : ''}`;
}

function listHtml(title: string, lines: string[], noun: string): Html {
  if (lines.length === 0) return html``;
  const { shown, more } = firstOf(lines, maxRows);
  return html`${paragraph(strong(title))}${rows(shown)}${more > 0 ? mutedParagraph(andMore(more, noun)) : ''}<div style="height:8px;line-height:8px;font-size:8px;">&nbsp;</div>`;
}

function weeklyHtml(summary: WeeklySummary, links: EmailLinks): string {
  const { shown, more } = needsActionShown(summary);
  const { silent, unscanned } = summary.not_checked;
  const { elixir, otp } = summary.runtimes;
  return emailDocument({
    title: kickerOf(summary),
    preheader: totalsLines(summary).join(' '),
    heading: heading(kickerOf(summary), titleOf(summary), totalsLines(summary).map(paragraph)),
    sections: [
      section(
        titles.needsAction,
        summary.needs_action.length,
        shown.length === 0
          ? mutedParagraph(emptyStates.needsAction)
          : html`${shown.map(needsActionHtml)}${more > 0 ? mutedParagraph(andMore(more, 'app-environment')) : ''}`,
      ),
      section(titles.opened, summary.opened.length, changesHtml(summary.opened, emptyStates.opened)),
      section(titles.fixed, summary.fixed.length, changesHtml(summary.fixed, emptyStates.fixed)),
      section(titles.newAdvisories, summary.new_advisories.length, newAdvisoriesHtml(summary.new_advisories)),
      section(
        titles.notChecked,
        notCheckedCount(summary),
        notCheckedCount(summary) === 0
          ? mutedParagraph(emptyStates.notChecked(summary.scan_stale_after_days))
          : html`${listHtml('Agents silent', silent.map(silentLine), 'app-environment')}${listHtml(
              `Not scanned in the last ${counted(summary.scan_stale_after_days, 'day')}`,
              unscanned.map(unscannedLine),
              'app',
            )}`,
      ),
      section(
        titles.runtimes,
        undefined,
        elixir.length + otp.length === 0
          ? mutedParagraph(emptyStates.runtimes)
          : html`${listHtml('Elixir', elixir.map(runtimeLine), 'version')}${listHtml('OTP', otp.map(runtimeLine), 'release')}`,
      ),
    ],
    links,
    reason: reasonOfEmail(summary.org),
  });
}

// Plain text

const severityTag = (severity: Severity | null): string => `[${severityWord(severity).toUpperCase()}]`;

function findingText(finding: ActionFinding): string[] {
  return [
    `  ${severityTag(finding.severity)} ${oneLine(finding.vulnerability)}${aliasesOf(finding.aliases)}`,
    ...(finding.summary ? [`    ${oneLine(finding.summary)}`] : []),
    `    ${packagesLine(finding)}`,
    `    ${fixLine(finding)}`,
    `    ${adviceLine(finding)}`,
  ];
}

function needsActionText({ entry, findings: { shown, more } }: ListedAppEnvironment): string[] {
  return [
    `${place(entry)} [${flagWords(entry.flags).join(', ')}]`,
    `  ${entry.reason}`,
    ...shown.flatMap(findingText),
    ...(more > 0 ? [`  ${moreFindings({ shown, more })}`] : []),
    ...(hasScanFindings(entry) ? [`  ${scanLine(entry)}`] : []),
  ];
}

function listText(title: string | undefined, lines: string[], noun: string): string[] {
  if (lines.length === 0) return [];
  const { shown, more } = firstOf(lines, maxRows);
  return [
    ...(title ? [`${title}:`] : []),
    ...shown.map((line) => `- ${line}`),
    ...(more > 0 ? [andMore(more, noun)] : []),
  ];
}

function newAdvisoriesText(advisories: NewAdvisory[]): string[] {
  const { shown, more } = firstOf(advisories, maxRows);
  return [
    ...shown.flatMap((advisory) => [
      `- ${severityTag(advisory.severity)} ${oneLine(advisory.vulnerability)}${aliasesOf(advisory.aliases)}`,
      ...(advisory.summary ? [`  ${oneLine(advisory.summary)}`] : []),
      `  ${advisoryReach(advisory)}`,
    ]),
    ...(more > 0 ? [andMore(more, 'advisory', 'advisories')] : []),
  ];
}

function weeklyText(summary: WeeklySummary, links: EmailLinks): string {
  const { shown, more } = needsActionShown(summary);
  const { silent, unscanned } = summary.not_checked;
  const { elixir, otp } = summary.runtimes;
  const changes = (list: FindingChange[], empty: string) =>
    list.length === 0
      ? [empty]
      : listText(
          undefined,
          list.map(
            (change) => `${severityTag(change.severity)} ${changeLine(change)}, ${utcTime(change.at)}`,
          ),
          'finding',
        );
  return textDocument({
    kicker: kickerOf(summary),
    title: titleOf(summary),
    lead: totalsLines(summary),
    sections: [
      {
        title: titles.needsAction,
        count: summary.needs_action.length,
        lines:
          shown.length === 0
            ? [emptyStates.needsAction]
            : [
                ...shown.flatMap((entry, index) => [...(index > 0 ? [''] : []), ...needsActionText(entry)]),
                ...(more > 0 ? ['', andMore(more, 'app-environment')] : []),
              ],
      },
      {
        title: titles.opened,
        count: summary.opened.length,
        lines: changes(summary.opened, emptyStates.opened),
      },
      { title: titles.fixed, count: summary.fixed.length, lines: changes(summary.fixed, emptyStates.fixed) },
      {
        title: titles.newAdvisories,
        count: summary.new_advisories.length,
        lines:
          summary.new_advisories.length === 0
            ? [emptyStates.newAdvisories]
            : newAdvisoriesText(summary.new_advisories),
      },
      {
        title: titles.notChecked,
        count: notCheckedCount(summary),
        lines:
          notCheckedCount(summary) === 0
            ? [emptyStates.notChecked(summary.scan_stale_after_days)]
            : [
                ...listText('Agents silent', silent.map(silentLine), 'app-environment'),
                ...listText(
                  `Not scanned in the last ${counted(summary.scan_stale_after_days, 'day')}`,
                  unscanned.map(unscannedLine),
                  'app',
                ),
              ],
      },
      {
        title: titles.runtimes,
        lines:
          elixir.length + otp.length === 0
            ? [emptyStates.runtimes]
            : [
                ...listText('Elixir', elixir.map(runtimeLine), 'version'),
                ...listText('OTP', otp.map(runtimeLine), 'release'),
              ],
      },
    ],
    links,
    reason: reasonOfEmail(summary.org),
  });
}

export function renderWeeklySummaryEmail(summary: WeeklySummary, links: EmailLinks): RenderedEmail {
  return {
    subject: subjectOf(summary),
    html: weeklyHtml(summary, links),
    text: weeklyText(summary, links),
  };
}

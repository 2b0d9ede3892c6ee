import { bySeverity, type Severity } from '../advisories/vulnerability.ts';
import type { AlertEvent, FindingInstance } from '../entities/finding.ts';
import { isProduction } from '../environments.ts';
import { type Html, html } from './html.ts';
import {
  type EmailLinks,
  emailDocument,
  flagChips,
  heading,
  mutedParagraph,
  paragraph,
  type RenderedEmail,
  rows,
  section,
  severityBadge,
  textDocument,
  unlinkedText,
} from './layout.ts';
import { counted, oneLine, severityWord, subjectLine, utcTime } from './wording.ts';

/**
 * The alert of one evaluation's new findings, all of one app-environment (usually one finding): for
 * each, where it runs, the advisory, the vulnerable code, the exposed instances and what fixes it, in
 * an HTML and a plain-text part that say the same.
 *
 * Alerts are raised only for internet-facing production app-environments (see needsAlert), and an
 * event carries no internet-facing flag of its own: the email says internet-facing for every event.
 */

const worstFirst = (a: AlertEvent, b: AlertEvent): number =>
  bySeverity(a.severity, b.severity) || a.vulnerability.localeCompare(b.vulnerability);

const place = (event: AlertEvent): string => `${oneLine(event.app)}/${oneLine(event.environment)}`;

const flagWords = (event: AlertEvent): string[] => [
  ...(isProduction(event.environment) ? ['production'] : []),
  'internet-facing',
  ...(event.handles_pii ? ['personal data'] : []),
];

const packagesOf = (event: AlertEvent): string =>
  (event.packages.length > 0 ? event.packages : [event.package]).map(oneLine).join(', ');

function subjectOf(org: string, events: AlertEvent[]): string {
  const [first] = events as [AlertEvent];
  const what =
    events.length === 1
      ? `${severityWord(first.severity)}: ${first.vulnerability} in ${packagesOf(first)} on ${place(first)}`
      : `${events.length} new critical or high findings on ${place(first)}`;
  return subjectLine(`[${org}] ${what} (internet-facing)`);
}

// The facts of each event in words, shared by both parts.

const aliasesOf = (event: AlertEvent): string =>
  event.aliases.length > 0 ? ` (${event.aliases.map(oneLine).join(', ')})` : '';

const codeLines = ({ vulnerable_code: code }: AlertEvent): string[] =>
  (
    [
      ['Modules', code.modules],
      ['Functions', code.functions],
      ['Files', code.files],
      ['Conditions', code.conditions],
    ] as const
  )
    .filter(([, values]) => values.length > 0)
    .map(([label, values]) => `${label}: ${values.map(oneLine).join(', ')}`);

const instanceLine = (row: FindingInstance): string =>
  `${oneLine(row.instance)}: ${oneLine(row.package)} ${oneLine(row.version)}${
    row.started ? '' : ' (loaded, not started)'
  }${row.basis === 'release' ? ' (matched on its OTP release)' : ''}`;

/** How many exposed instances the event does not list. */
const unlisted = (event: AlertEvent): number =>
  Math.max(0, event.instance_count - new Set(event.instances.map((row) => row.instance)).size);

const instancesTitle = (event: AlertEvent): string => `Exposed instances (${event.instance_count})`;

const moreInstancesLine = (event: AlertEvent): string => `…and ${unlisted(event)} more`;

const fixLine = (event: AlertEvent): string =>
  event.fixed_in === null
    ? 'Fixed in: no fixed version yet'
    : `Fixed in: ${oneLine(event.package)} ${oneLine(event.fixed_in)}`;

const adviceLine = (event: AlertEvent): string => `What to do: ${oneLine(event.advice)}`;

const openedLine = (event: AlertEvent): string => `Opened ${utcTime(event.opened_at)}`;

const reasonOfEmail = (org: string): string =>
  `You receive this alert because you are on ${oneLine(org)}'s alert list in Muster.`;

const headlineOf = (events: AlertEvent[]): string => {
  const [first] = events as [AlertEvent];
  return events.length === 1
    ? `${severityWord(first.severity)}: ${oneLine(first.vulnerability)} in ${packagesOf(first)}`
    : `${events.length} new critical or high findings`;
};

const leadOf = (events: AlertEvent[]): string =>
  `${counted(events.length, 'new finding')} on ${place(events[0]!)}`;

const sectionTitle = (event: AlertEvent): string => `${oneLine(event.vulnerability)}${aliasesOf(event)}`;

// HTML

const label = (text: string): Html => html`<strong>${text}</strong>`;

function eventHtml(event: AlertEvent): Html {
  const more = unlisted(event);
  return html`${paragraph(html`${severityBadge(event.severity)} ${oneLine(event.summary)}`)}${paragraph(
    html`${label('Where: ')}${place(event)} ${flagChips(flagWords(event))}`,
  )}${
    event.urls.length > 0
      ? mutedParagraph(
          html`Reported URLs: ${event.urls.map((url, index) => html`${index > 0 ? ', ' : ''}${unlinkedText(oneLine(url))}`)}`,
        )
      : ''
  }${
    codeLines(event).length > 0
      ? html`${paragraph(label('Vulnerable code'))}${mutedParagraph(
          codeLines(event).map((line, index) => html`${index > 0 ? html`<br>` : ''}${line}`),
        )}`
      : ''
  }${paragraph(label(instancesTitle(event)))}${rows(event.instances.map(instanceLine))}${
    more > 0 ? mutedParagraph(moreInstancesLine(event)) : ''
  }<div style="height:8px;line-height:8px;font-size:8px;">&nbsp;</div>${paragraph(fixLine(event))}${paragraph(
    adviceLine(event),
  )}${mutedParagraph(openedLine(event))}`;
}

function alertHtml(org: string, events: AlertEvent[], links: EmailLinks): string {
  const headline = headlineOf(events);
  return emailDocument({
    title: `Muster alert for ${oneLine(org)}`,
    preheader: `${headline} on ${place(events[0]!)}`,
    heading: heading(
      `Muster alert for ${oneLine(org)}`,
      headline,
      paragraph(html`${leadOf(events)} ${flagChips(flagWords(events[0]!))}`),
    ),
    sections: events.map((event) => section(sectionTitle(event), undefined, eventHtml(event))),
    links,
    reason: reasonOfEmail(org),
  });
}

// Plain text

const severityTag = (severity: Severity | null): string => `[${severityWord(severity).toUpperCase()}]`;

function eventText(event: AlertEvent): string[] {
  const code = codeLines(event);
  return [
    `${severityTag(event.severity)} ${oneLine(event.summary)}`.trimEnd(),
    `Where: ${place(event)} [${flagWords(event).join(', ')}]`,
    ...(event.urls.length > 0 ? [`Reported URLs: ${event.urls.map(oneLine).join(', ')}`] : []),
    ...(code.length > 0 ? ['Vulnerable code:', ...code.map((line) => `  ${line}`)] : []),
    `${instancesTitle(event)}:`,
    ...event.instances.map((row) => `- ${instanceLine(row)}`),
    ...(unlisted(event) > 0 ? [moreInstancesLine(event)] : []),
    fixLine(event),
    adviceLine(event),
    openedLine(event),
  ];
}

function alertText(org: string, events: AlertEvent[], links: EmailLinks): string {
  return textDocument({
    kicker: `Muster alert for ${oneLine(org)}`,
    title: headlineOf(events),
    lead: [`${leadOf(events)} [${flagWords(events[0]!).join(', ')}]`],
    sections: events.map((event) => ({ title: sectionTitle(event), lines: eventText(event) })),
    links,
    reason: reasonOfEmail(org),
  });
}

export function renderAlertEmail(org: string, events: AlertEvent[], links: EmailLinks): RenderedEmail {
  if (events.length === 0) throw new Error('an alert email needs at least one event');
  const ordered = [...events].sort(worstFirst);
  return {
    subject: subjectOf(org, ordered),
    html: alertHtml(org, ordered, links),
    text: alertText(org, ordered, links),
  };
}

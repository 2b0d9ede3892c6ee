import type { Severity } from '../advisories/vulnerability.ts';
import { type Html, type HtmlValue, html } from './html.ts';
import { severityWord } from './wording.ts';

/**
 * The frame every Muster email shares, as HTML and as plain text. The HTML is what mail clients
 * render alike: tables for layout, inline styles for every colour and size, at most 640 px wide, and a
 * small style sheet whose only job is dark mode (Apple Mail honours prefers-color-scheme, Outlook.com
 * its data-ogsc and data-ogsb attributes; Gmail recolours on its own, and wherever the sheet is dropped
 * the inline light colours still read). Only the links given here become
 * links: names, versions and advisory text come from agents and CI and are never made clickable.
 */

export interface EmailLinks {
  dashboardUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A link target only when it is a web address: anything else (javascript:, data:) is not linked. */
const webAddress = (url: string): string | undefined =>
  url.startsWith('https://') || url.startsWith('http://') ? url : undefined;

/** Unquoted family names, so that the stack needs no escaping inside a style attribute. */
const fontStack = '-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

const colors = {
  page: '#f3f4f6',
  card: '#ffffff',
  panel: '#f9fafb',
  text: '#111827',
  muted: '#4b5563',
  border: '#e5e7eb',
  link: '#1d4ed8',
};

/** White text reads on each of these at 4.5:1 or more, in light and dark mode alike. */
const severityColors: Record<Severity | 'unrated', string> = {
  critical: '#b91c1c',
  high: '#c2410c',
  medium: '#a16207',
  low: '#4b5563',
  unrated: '#6b7280',
};

export function severityBadge(severity: Severity | null): Html {
  const background = severityColors[severity ?? 'unrated'];
  return html`<span style="display:inline-block;padding:1px 6px;border-radius:4px;background-color:${background};color:#ffffff;font-size:12px;line-height:18px;font-weight:700;letter-spacing:0.03em;">${severityWord(severity).toUpperCase()}</span>`;
}

/** The flags of an app-environment (production, internet-facing, personal data), in words. */
export const flagChips = (labels: string[]): Html =>
  html`${labels.map(
    (label) =>
      html`<span class="em-chip" style="display:inline-block;margin:0 0 2px;padding:0 6px;border:1px solid #9ca3af;border-radius:4px;color:${colors.text};font-size:12px;line-height:18px;">${label}</span> `,
  )}`;

/**
 * Untrusted text that looks like an address (an app's reported URLs): broken at its dots, colons
 * and slashes by empty element boundaries, so that clients which turn addresses in text into links
 * (Gmail, Apple Mail) leave it as text, while it still reads and copies as written.
 */
export const unlinkedText = (text: string): Html =>
  html`${text.split(/([.:/@])/).map((part, index) => (index % 2 === 1 ? html`<span>${part}</span>` : part))}`;

/** Secondary text within a line: a time, a count. */
export const mutedText = (content: HtmlValue): Html =>
  html`<span class="em-muted" style="color:${colors.muted};">${content}</span>`;

export const paragraph = (content: HtmlValue): Html =>
  html`<p class="em-text" style="margin:0 0 8px;color:${colors.text};font-size:14px;line-height:20px;">${content}</p>`;

export const mutedParagraph = (content: HtmlValue): Html =>
  html`<p class="em-muted" style="margin:0 0 8px;color:${colors.muted};font-size:13px;line-height:19px;">${content}</p>`;

/** A boxed block within a section: one app-environment, one finding. */
export const panel = (content: HtmlValue): Html =>
  html`<table role="presentation" class="em-panel" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${colors.panel}" style="margin:0 0 12px;background-color:${colors.panel};border:1px solid ${colors.border};border-radius:6px;"><tr><td style="padding:12px 14px;">${content}</td></tr></table>`;

/** A list of plain rows: rows of text in a table, which every client spaces alike. */
export const rows = (items: HtmlValue[]): Html =>
  html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${items.map(
    (item) =>
      html`<tr><td class="em-text em-border" style="padding:6px 0;border-bottom:1px solid ${colors.border};color:${colors.text};font-size:14px;line-height:20px;">${item}</td></tr>`,
  )}</table>`;

/** A section of the email: a heading, with the number of entries when it counts some, and its content. */
export const section = (title: string, count: number | undefined, content: HtmlValue): Html =>
  html`<tr><td class="em-text" style="padding:20px 24px 8px;color:${colors.text};font-family:${fontStack};"><h2 class="em-text" style="margin:0 0 10px;color:${colors.text};font-size:17px;line-height:24px;font-weight:700;">${title}${count === undefined ? '' : html` <span class="em-muted" style="color:${colors.muted};font-weight:400;">(${count})</span>`}</h2>${content}</td></tr>`;

function footer(links: EmailLinks, reason: string): Html {
  const dashboard = webAddress(links.dashboardUrl);
  const unsubscribe = webAddress(links.unsubscribeUrl);
  const link = (href: string, label: string) =>
    html`<a class="em-link" href="${href}" style="color:${colors.link};text-decoration:underline;">${label}</a>`;
  return html`<tr><td class="em-muted em-border" style="padding:16px 24px 24px;border-top:1px solid ${colors.border};color:${colors.muted};font-family:${fontStack};font-size:13px;line-height:19px;">${
    dashboard ? html`<p style="margin:0 0 8px;">${link(dashboard, 'Open the Muster dashboard')}</p>` : ''
  }<p style="margin:0 0 8px;">${reason}</p>${
    unsubscribe ? html`<p style="margin:0;">${link(unsubscribe, 'Unsubscribe')}</p>` : ''
  }</td></tr>`;
}

export interface EmailDocument {
  title: string;
  /** The line that inbox lists show after the subject. */
  preheader: string;
  /** The heading and what follows it, as rows of the card (see section). */
  heading: Html;
  sections: Html[];
  links: EmailLinks;
  /** Why the recipient gets this email, above the unsubscribe link. */
  reason: string;
}

export function emailDocument(document: EmailDocument): string {
  const { page, card, border, text } = colors;
  return `<!DOCTYPE html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="format-detection" content="telephone=no, date=no, address=no, email=no">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${document.title}</title>
<style>
:root { color-scheme: light dark; supported-color-schemes: light dark; }
@media (prefers-color-scheme: dark) {
  .em-page { background-color: #0b0f17 !important; }
  .em-card { background-color: #161b26 !important; border-color: #2f3744 !important; }
  .em-panel { background-color: #1f2633 !important; border-color: #2f3744 !important; }
  .em-text { color: #f3f4f6 !important; }
  .em-muted { color: #c3c9d4 !important; }
  .em-border { border-color: #2f3744 !important; }
  .em-chip { color: #f3f4f6 !important; border-color: #6b7280 !important; }
  .em-link { color: #93c5fd !important; }
}
[data-ogsc] .em-text, [data-ogsc] .em-chip { color: #f3f4f6 !important; }
[data-ogsc] .em-muted { color: #c3c9d4 !important; }
[data-ogsc] .em-link { color: #93c5fd !important; }
[data-ogsb] .em-page { background-color: #0b0f17 !important; }
[data-ogsb] .em-card { background-color: #161b26 !important; }
[data-ogsb] .em-panel { background-color: #1f2633 !important; }
</style>
</head>
<body class="em-page" style="margin:0;padding:0;background-color:${page};">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">${document.preheader}</div>
<table role="presentation" class="em-page" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${page}" style="background-color:${page};">
<tr><td align="center" style="padding:24px 12px;">
<!--[if mso]><table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table role="presentation" class="em-card" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${card}" style="max-width:640px;background-color:${card};border:1px solid ${border};border-radius:8px;color:${text};font-family:${fontStack};">
${document.heading}
${document.sections}
${footer(document.links, document.reason)}
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr>
</table>
</body>
</html>`}\n`;
}

/** The heading row: a kicker (Muster weekly summary), the title and a lead paragraph. */
export const heading = (kicker: string, title: string, lead: HtmlValue): Html =>
  html`<tr><td class="em-text em-border" style="padding:24px 24px 16px;border-bottom:1px solid ${colors.border};color:${colors.text};font-family:${fontStack};"><p class="em-muted" style="margin:0 0 4px;color:${colors.muted};font-size:13px;line-height:18px;">${kicker}</p><h1 class="em-text" style="margin:0 0 8px;color:${colors.text};font-size:22px;line-height:28px;font-weight:700;">${title}</h1>${lead}</td></tr>`;

/** The plain-text part's frame: the same heading, sections and footer in the same order. */
export function textDocument(parts: {
  kicker: string;
  title: string;
  lead: string[];
  sections: { title: string; count?: number; lines: string[] }[];
  links: EmailLinks;
  reason: string;
}): string {
  const underline = (title: string, character: string) => `${title}\n${character.repeat(title.length)}`;
  const lines = [parts.kicker, underline(parts.title, '='), '', ...parts.lead];
  for (const { title, count, lines: content } of parts.sections) {
    lines.push('', underline(count === undefined ? title : `${title} (${count})`, '-'), ...content);
  }
  lines.push('', '--');
  const dashboard = webAddress(parts.links.dashboardUrl);
  if (dashboard) lines.push(`Open the Muster dashboard: ${dashboard}`);
  lines.push(parts.reason);
  const unsubscribe = webAddress(parts.links.unsubscribeUrl);
  if (unsubscribe) lines.push(`Unsubscribe: ${unsubscribe}`);
  return `${lines.join('\n')}\n`;
}

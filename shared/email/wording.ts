import type { Severity } from '../advisories/vulnerability.ts';

/** Severity in words, so that it never rests on colour alone. */
export const severityWord = (severity: Severity | null): string =>
  severity ? `${severity[0]!.toUpperCase()}${severity.slice(1)}` : 'Unrated';

export const counted = (count: number, noun: string, plural = `${noun}s`): string =>
  `${count} ${count === 1 ? noun : plural}`;

/** A time as every reader sees it, whatever their time zone: 2026-11-28 07:30 UTC. */
export function utcTime(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const normalized = new Date(time).toISOString();
  return `${normalized.slice(0, 10)} ${normalized.slice(11, 16)} UTC`;
}

/** Line breaks, other control characters and bidirectional overrides: none belongs in one line of text. */
const breaksAndControls = /[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * Untrusted text on one line: an advisory summary with a line break could otherwise start a line of
 * its own in the plain-text part, one that reads as if the email said it.
 */
export const oneLine = (text: string): string => text.replace(breaksAndControls, ' ').trim();

const maxSubjectLength = 150;

/** A subject on one line, without control characters, at most maxSubjectLength characters. */
export function subjectLine(text: string): string {
  const characters = Array.from(oneLine(text).replace(/\s+/g, ' '));
  return characters.length <= maxSubjectLength
    ? characters.join('')
    : `${characters
        .slice(0, maxSubjectLength - 1)
        .join('')
        .trimEnd()}…`;
}

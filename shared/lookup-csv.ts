import type { LookupMatch } from './lookup.ts';

const header = [
  'app',
  'environment',
  'instance',
  'version',
  'last_seen',
  'stale',
  'internet_facing',
  'handles_pii',
  'urls',
];

/**
 * One CSV cell. Names come from agents and are untrusted: a cell that a spreadsheet would run as a
 * formula (=, +, -, @, tab, carriage return first) is prefixed with an apostrophe, and every cell with
 * a comma, quote or line break is quoted.
 */
function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The lookup's rows as CSV, one line per instance, in the same order as the JSON answer. */
export function lookupCsv(matches: LookupMatch[]): string {
  const lines = [header.join(',')];
  for (const match of matches) {
    for (const instance of match.instances) {
      lines.push(
        [
          match.app,
          match.environment,
          instance.instance,
          instance.version,
          instance.last_seen ?? '',
          String(instance.stale),
          String(match.internet_facing),
          String(match.handles_pii),
          match.urls.join(' '),
          instance.package,
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

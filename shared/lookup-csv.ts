import type { LookupMatch } from './lookup.ts';

const header = [
  'app',
  'environment',
  'package',
  'version',
  'instance_count',
  'instances',
  'drift',
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

export const lookupCsvHeader = `${header.join(',')}\r\n`;

/** Rows as CSV lines, one per match, in the order of the JSON answer; the header comes first once. */
export function lookupCsvLines(matches: LookupMatch[]): string {
  return matches
    .map(
      (match) =>
        `${[
          match.app,
          match.environment,
          match.package,
          match.version,
          String(match.instance_count),
          match.instances.map((instance) => instance.instance).join(' '),
          String(match.drift),
          String(match.internet_facing),
          String(match.handles_pii),
          match.urls.join(' '),
        ]
          .map(cell)
          .join(',')}\r\n`,
    )
    .join('');
}

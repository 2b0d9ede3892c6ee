import { describe, expect, it } from 'vitest';
import {
  agoText,
  dateInputValue,
  durationText,
  expiryOf,
  exposureText,
  instancesText,
  plural,
  safeUrl,
  severityLabel,
  utcText,
} from '../../infra/dashboard/app/format.ts';

/** How the dashboard words times, counts and severities. */

const now = new Date('2026-11-30T08:00:00Z');
const earlier = (ms: number) => new Date(now.getTime() - ms).toISOString();
const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

describe('ages', () => {
  it('says minutes under an hour, hours up to two days, then days, as the API words its reasons', () => {
    expect(durationText(30_000)).toBe('less than a minute');
    expect(durationText(minute)).toBe('1 minute');
    expect(durationText(59 * minute)).toBe('59 minutes');
    expect(durationText(hour)).toBe('1 hour');
    expect(durationText(47 * hour + 59 * minute)).toBe('47 hours');
    expect(durationText(2 * day)).toBe('2 days');
    expect(durationText(9 * day + 5 * hour)).toBe('9 days');
    expect(durationText(400 * day)).toBe('400 days');
    expect(durationText(-5)).toBe('less than a minute');
  });

  it('says how long ago, "just now", or "never"', () => {
    expect(agoText(earlier(9 * day), now)).toBe('9 days ago');
    expect(agoText(earlier(5 * hour), now)).toBe('5 hours ago');
    expect(agoText(earlier(10_000), now)).toBe('just now');
    expect(agoText(null, now)).toBe('never');
    expect(agoText(undefined, now, 'not yet')).toBe('not yet');
    expect(agoText('not a date', now)).toBe('never');
  });

  it('shows exact times in UTC', () => {
    expect(utcText('2026-11-29T10:00:01.123Z')).toBe('2026-11-29 10:00 UTC');
    expect(utcText('2026-12-01T12:00:00+02:00')).toBe('2026-12-01 10:00 UTC');
    expect(utcText(null)).toBe('');
  });
});

describe('counts and severities', () => {
  it('words severities and their counts, most severe first', () => {
    expect(severityLabel('critical')).toBe('Critical');
    expect(severityLabel(null)).toBe('Unrated');
  });

  it('words instances and plurals', () => {
    expect(instancesText({ running: 2, stale: 1 })).toBe('2 running, 1 stale');
    expect(instancesText({ running: 0, stale: 0 })).toBe('none running');
    expect(plural(1, 'instance')).toBe('1 instance');
    expect(plural(1200, 'advisory', 'advisories')).toBe('1,200 advisories');
  });

  it('words exposure as lookups rank it', () => {
    expect(exposureText({ environment: 'prod', internet_facing: true, handles_pii: true })).toBe(
      'production, internet-facing, handles PII',
    );
    expect(exposureText({ environment: 'staging', internet_facing: false, handles_pii: false })).toBe(
      'staging, internal',
    );
  });
});

describe('links and dates from data', () => {
  it('links only http and https URLs', () => {
    expect(safeUrl('https://billing.example.com/x')).toBe('https://billing.example.com/x');
    expect(safeUrl('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000/');
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('data:text/html,<script>x</script>')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
  });

  it('turns a date input into an expiry at the start of that day in UTC', () => {
    expect(dateInputValue(now, 30)).toBe('2026-12-30');
    expect(expiryOf('2027-01-31')).toBe('2027-01-31T00:00:00.000Z');
    expect(expiryOf('')).toBeUndefined();
    expect(expiryOf('2027-13-45')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import {
  ListingError,
  parseCveIndex,
  parseModifiedIds,
  planSync,
  sameVersion,
} from '../../shared/advisory-listing.ts';
import {
  defaultAdvisorySources,
  parseAdvisorySources,
  type SourceState,
  sourceHealth,
} from '../../shared/advisory-sources.ts';

describe('parseAdvisorySources', () => {
  it('reads the default sources: OSV’s Hex directory and the EEF CNA’s CVE records', () => {
    expect(parseAdvisorySources(defaultAdvisorySources)).toEqual([
      {
        id: 'osv:https://osv-vulnerabilities.storage.googleapis.com/Hex',
        kind: 'osv',
        location: 'https://osv-vulnerabilities.storage.googleapis.com/Hex',
      },
      {
        id: 'cve:https://cna.erlef.org/cves/index.json',
        kind: 'cve',
        location: 'https://cna.erlef.org/cves/index.json',
      },
    ]);
  });

  it('takes a mirror, an archive URL or a path, and drops a directory’s trailing slash', () => {
    expect(
      parseAdvisorySources(' osv:http://mirror.internal/osv/Hex/ , https://x.example/all.zip,./advisories ,'),
    ).toEqual([
      { id: 'osv:http://mirror.internal/osv/Hex/', kind: 'osv', location: 'http://mirror.internal/osv/Hex' },
      { id: 'https://x.example/all.zip', kind: 'archive', location: 'https://x.example/all.zip' },
      { id: './advisories', kind: 'archive', location: './advisories' },
    ]);
    expect(parseAdvisorySources('')).toEqual([]);
  });

  it('refuses a feed without an http URL, a source listed twice and one too long for a key', () => {
    expect(() => parseAdvisorySources('osv:/srv/osv/Hex')).toThrow(/osv: needs an http or https URL/);
    expect(() => parseAdvisorySources('cve:index.json')).toThrow(/cve: needs an http or https URL/);
    expect(() => parseAdvisorySources('a.zip,a.zip')).toThrow(/"a.zip": is listed twice/);
    expect(() => parseAdvisorySources(`osv:https://x.example/${'a'.repeat(900)}`)).toThrow(
      /longer than 900 bytes/,
    );
  });
});

describe('parseModifiedIds', () => {
  it('reads OSV’s "<modified>,<id>" lines, with or without a header and CRLF', () => {
    const listing = parseModifiedIds(
      'modified,id\r\n2026-11-05T10:00:00.123456Z,GHSA-xxxx-yyyy-zzzz\r\n2025-06-16T11:00:54Z,EEF-CVE-2025-4754\n\n',
    );
    expect([...listing.versions]).toEqual([
      ['GHSA-xxxx-yyyy-zzzz', '2026-11-05T10:00:00.123456Z'],
      ['EEF-CVE-2025-4754', '2025-06-16T11:00:54Z'],
    ]);
    expect(listing.rejected).toEqual([]);
  });

  it('skips lines that do not read, ids that would leave the directory among them', () => {
    const listing = parseModifiedIds(
      '2026-11-05T10:00:00Z,GHSA-1\nyesterday,GHSA-2\n2026-11-05T10:00:00Z,../x\n',
    );
    expect([...listing.versions.keys()]).toEqual(['GHSA-1']);
    expect(listing.rejected.map((entry) => entry.entry)).toEqual([
      'yesterday,GHSA-2',
      '2026-11-05T10:00:00Z,../x',
    ]);
  });

  it('refuses a text in which no line reads, such as an error page, and accepts an empty one', () => {
    expect(() => parseModifiedIds('<html>\n<body>Bad gateway</body>\n</html>')).toThrow(ListingError);
    expect(parseModifiedIds('').versions.size).toBe(0);
  });
});

describe('parseCveIndex', () => {
  const index = 'https://cna.erlef.org/cves/index.json';

  it('reads the CNA’s index: each CVE with its last update and its record’s URL', () => {
    const listing = parseCveIndex(
      [
        {
          id: 'CVE-2025-4748',
          title: 'Absolute path traversal in zip:unzip/1,2',
          datePublished: '2025-06-16T11:00:54.643Z',
          dateUpdated: '2026-04-06T16:44:04.139Z',
          details: '/cves/CVE-2025-4748.json',
        },
        { id: 'CVE-2026-21618', datePublished: '2026-01-10T00:00:00Z' },
      ],
      index,
    );
    expect([...listing.versions]).toEqual([
      ['CVE-2025-4748', '2026-04-06T16:44:04.139Z'],
      ['CVE-2026-21618', '2026-01-10T00:00:00Z'],
    ]);
    expect(listing.locations.get('CVE-2025-4748')).toBe('https://cna.erlef.org/cves/CVE-2025-4748.json');
    expect(listing.locations.get('CVE-2026-21618')).toBe('https://cna.erlef.org/cves/CVE-2026-21618.json');
  });

  it('never fetches from another origin, and refuses what is not an index', () => {
    const listing = parseCveIndex(
      [
        { id: 'CVE-2025-0001', details: 'https://elsewhere.example/x.json' },
        { id: 'CVE-2025-4754', details: '/cves/CVE-2025-4754.json' },
        { id: 'not a cve' },
      ],
      index,
    );
    expect([...listing.versions.keys()]).toEqual(['CVE-2025-4754']);
    expect(listing.rejected.map((entry) => entry.reason)).toEqual([
      'details points outside https://cna.erlef.org',
      'has no CVE id',
    ]);
    expect(() => parseCveIndex({ cves: [] }, index)).toThrow(/expected a JSON array/);
    expect(() => parseCveIndex([{ id: 1 }], index)).toThrow(/no entry has a CVE id/);
  });
});

describe('planSync', () => {
  const versions = (entries: [string, string][]) => new Map(entries);
  const imported = versions(Array.from({ length: 20 }, (_, i) => [`R${i}`, 'v1']));

  it('fetches what is new or listed at another version, and withdraws what is no longer listed', () => {
    const listed = new Map(imported);
    listed.set('R3', 'v2');
    listed.set('NEW', 'v1');
    listed.delete('R7');
    expect(planSync(listed, imported, { full: false, withdraws: true })).toEqual({
      fetch: ['NEW', 'R3'],
      vanished: ['R7'],
    });
  });

  it('fetches everything in a full sync', () => {
    expect(planSync(imported, imported, { full: true, withdraws: true }).fetch).toHaveLength(20);
  });

  it('refuses a listing that drops more than a tenth of the records and more than five', () => {
    const listed = new Map([...imported].slice(0, 14));
    expect(() => planSync(listed, imported, { full: false, withdraws: true })).toThrow(
      /dropped 6 of the 20 records/,
    );
    expect(
      planSync(new Map([...imported].slice(0, 15)), imported, { full: false, withdraws: true }).vanished,
    ).toHaveLength(5);
  });

  it('withdraws nothing for an archive, whose files are whatever someone put in it', () => {
    expect(planSync(new Map(), imported, { full: false, withdraws: false })).toEqual({
      fetch: [],
      vanished: [],
    });
  });
});

describe('sameVersion', () => {
  it('takes the same instant written in two ways for one version', () => {
    expect(sameVersion('2026-11-05T10:00:00Z', '2026-11-05T10:00:00.000Z')).toBe(true);
    expect(sameVersion('2026-11-05T10:00:00Z', '2026-11-05T10:00:01Z')).toBe(false);
    expect(sameVersion('', '2026-11-05T10:00:00Z')).toBe(false);
  });
});

describe('sourceHealth', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const state = (overrides: Partial<SourceState>): SourceState => ({
    source: 'osv:https://x.example/Hex',
    kind: 'osv',
    records: 10,
    last_attempt_at: '2026-12-02T11:50:00Z',
    last_success_at: '2026-12-02T11:50:00Z',
    last_error: null,
    rejected: [],
    ...overrides,
  });

  it('is ok after a recent success, even with an older error', () => {
    expect(sourceHealth(state({ last_error: { at: '2026-12-02T11:40:00Z', message: 'x' } }), now)).toBe('ok');
  });

  it('is failing when the last attempt failed, and stale an hour after the last success', () => {
    expect(sourceHealth(state({ last_error: { at: '2026-12-02T11:55:00Z', message: 'x' } }), now)).toBe(
      'failing',
    );
    expect(sourceHealth(state({ last_success_at: '2026-12-02T10:59:00Z' }), now)).toBe('stale');
  });

  it('has never synced before a first success', () => {
    expect(sourceHealth(undefined, now)).toBe('never_synced');
    expect(
      sourceHealth(
        state({ last_success_at: null, last_error: { at: '2026-12-02T11:55:00Z', message: 'x' } }),
        now,
      ),
    ).toBe('failing');
  });
});

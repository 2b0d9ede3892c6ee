import { describe, expect, it } from 'vitest';
import { renderAlertEmail } from '../../shared/email/alert-email.ts';
import { renderWeeklySummaryEmail } from '../../shared/email/weekly-summary-email.ts';
import { alertEvent, emptySummary, hostile, weeklySummaryOf } from '../support/email-fleet.ts';

const links = {
  dashboardUrl: 'https://muster.example.com/',
  unsubscribeUrl: 'https://api.muster.example.com/v1/unsubscribe?token=t0k3n&list=summary',
};

/** What a reader of an HTML part sees, as one line of text. */
function visibleText(document: string): string {
  return document
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<br>|<\/(p|div|td|h1|h2)>/g, ' ')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/**
 * The facts of a plain-text part, line by line, without what only plain text needs: underlines,
 * list dashes, brackets around severities and flags, a colon before a list, the footer's addresses.
 */
function textFacts(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && line !== '--' && !/^[=-]+$/.test(line))
    .filter((line) => !/^(Open the Muster dashboard|Unsubscribe): /.test(line))
    .map((line) =>
      line
        .replace(/^- /, '')
        .replace(/^\[([A-Z]+)\]/, '$1')
        .replace(/ \[([^\]]+)\]$/, (_, flags: string) => ` ${flags.split(', ').join(' ')}`)
        .replace(/:$/, ''),
    );
}

/** Each fact of the plain-text part is in the HTML part, in the same order. */
function expectSameFacts({ html, text }: { html: string; text: string }) {
  const seen = visibleText(html);
  let from = 0;
  for (const fact of textFacts(text)) {
    const at = seen.indexOf(fact, from);
    expect(at, `"${fact}" in the HTML part after what precedes it`).toBeGreaterThanOrEqual(0);
    from = at + fact.length;
  }
}

const hrefsOf = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]!);

/** No element that runs anything: no script, no event handler attribute, no javascript: address. */
function expectInert(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/<img|<iframe|<object|<embed|<form/i);
  expect(html).not.toMatch(/(href|src)="\s*javascript:/i);
}

describe('renderWeeklySummaryEmail', () => {
  const summary = weeklySummaryOf();
  const email = renderWeeklySummaryEmail(summary, links);

  it('says in its subject what matters most, with the organization', () => {
    const withCounts = (critical: number, high: number) =>
      renderWeeklySummaryEmail(
        { ...summary, totals: { ...summary.totals, internet_facing: { critical, high } } },
        links,
      ).subject;
    expect(email.subject).toBe('acme: 3 critical and 6 high findings on internet-facing apps');
    expect(withCounts(1, 0)).toBe('acme: 1 critical finding on internet-facing apps');
    expect(withCounts(0, 2)).toBe('acme: 2 high findings on internet-facing apps');
    expect(withCounts(0, 0)).toBe('acme: no critical or high findings on internet-facing apps this week');
  });

  it('keeps the subject on one line', () => {
    const subject = renderWeeklySummaryEmail(
      { ...summary, org: 'acme\r\nBcc: victim@example.com' },
      links,
    ).subject;
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toBe(
      'acme Bcc: victim@example.com: 3 critical and 6 high findings on internet-facing apps',
    );
  });

  it('is a complete document that follows the colour scheme, with a heading per section in order', () => {
    expect(email.html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(email.html).toContain('<meta name="color-scheme" content="light dark">');
    expect(email.html).toContain('<meta name="supported-color-schemes" content="light dark">');
    expect(email.html).toContain('@media (prefers-color-scheme: dark)');
    expect(email.html).toContain('max-width:640px');
    expect(email.html.trimEnd().endsWith('</html>')).toBe(true);
    const headings = [...email.html.matchAll(/<h2[^>]*>([^<]*)/g)].map((match) => match[1]!.trim());
    expect(headings).toEqual([
      'Needs action',
      'Opened this week',
      'Fixed this week',
      'New advisories this week',
      'Not checked',
      'Runtimes in use',
    ]);
  });

  it('shows severity in words as well as in colour', () => {
    expect(visibleText(email.html)).toContain('CRITICAL CVE-2026-1001 (GHSA-aaaa-bbbb-cccc)');
    expect(email.text).toContain('[CRITICAL] CVE-2026-1001 (GHSA-aaaa-bbbb-cccc)');
    expect(visibleText(email.html)).toContain('MEDIUM CVE-2026-1006 in plug_crypto on billing / prod');
  });

  it('carries the same facts in its plain-text part, in the same order', () => {
    expectSameFacts(email);
    expect(email.text).toContain(
      [
        'Needs action (5)',
        '----------------',
        'billing / prod [production, internet-facing, personal data]',
        '  internet-facing, 1 critical, 1 high; latest scans: 1 high',
        '  [CRITICAL] CVE-2026-1001 (GHSA-aaaa-bbbb-cccc)',
        '    Header injection in Plug.Conn allows request smuggling',
        '    plug 1.16.0, 1.16.1 on 3 instances',
        '    Fixed in: plug 1.16.2',
        '    What to do: upgrade plug to 1.16.2',
      ].join('\n'),
    );
    for (const line of [
      '7 app-environments; 8 running instances, 2 stale.',
      'This week: 7 findings opened, 1 fixed.',
      '    What to do: upgrade ssl to 11.1.5, shipped in OTP 27.1.3',
      '    Fixed in: no fixed version yet',
      '  Latest scans: 0 critical, 1 high, 2 medium, 1 low',
      '- [CRITICAL] CVE-2026-1005 in ssh on billing / prod, 2026-11-29 12:00 UTC',
      '  Affects 2 app-environments and 4 instances; published 2026-11-26 12:00 UTC',
      '- reports / prod: agents silent since 2026-11-29 08:00 UTC',
      '- accounts (prod): last scanned 29 days ago, on 2026-11-01 00:00 UTC',
      '- shop (prod): never scanned',
      '- 1.17.3: 5 instances',
      '- 27.1.2: 4 instances',
    ]) {
      expect(email.text).toContain(`${line}\n`);
    }
  });

  it('says so when a section is empty, in both parts', () => {
    const empty = renderWeeklySummaryEmail(emptySummary(), links);
    for (const sentence of [
      'No internet-facing app has open critical or high findings.',
      'No findings were opened this week.',
      'No findings were fixed this week.',
      'No advisory published this week affects your apps.',
      "Every app-environment's agents reported in, and every internet-facing app was scanned in the last 14 days.",
      'No live instance reported its Elixir or OTP release.',
    ]) {
      expect(visibleText(empty.html)).toContain(sentence);
      expect(empty.text).toContain(sentence);
    }
    expect(visibleText(empty.html)).toContain('Needs action (0)');
    expectSameFacts(empty);
  });

  it('cuts long lists, worst first kept, and says how many more there are', () => {
    const [first] = summary.needs_action;
    const findings = Array.from({ length: 7 }, (_, index) => ({
      ...first!.findings[0]!,
      vulnerability: `CVE-2026-30${index}`,
    }));
    const many = renderWeeklySummaryEmail(
      {
        ...summary,
        needs_action: Array.from({ length: 25 }, (_, index) => ({
          ...first!,
          app: `app-${index}`,
          findings,
        })),
        opened: Array.from({ length: 20 }, () => summary.opened[0]!),
      },
      links,
    );
    const html = visibleText(many.html);
    for (const part of [html, many.text]) {
      // Fifteen app-environments, five findings each, thirty in all: six app-environments' worth.
      expect(part).toContain('app-14 / prod');
      expect(part).not.toContain('app-15 / prod');
      expect(part).toContain('…and 10 more app-environments.');
      expect(part).toContain('…and 2 more findings.');
      expect(part).toContain('Findings not listed here: 7.');
      expect(part).toContain('…and 5 more findings.');
    }
    expect(html.match(/CVE-2026-304/g)).toHaveLength(6);
    expect(html.match(/CVE-2026-305/g)).toBeNull();
    expectSameFacts(many);
  });

  it('escapes names, packages and advisory text from agents and CI, and keeps them verbatim in text', () => {
    const hostileEmail = renderWeeklySummaryEmail(weeklySummaryOf(hostile), links);
    expectInert(hostileEmail.html);
    expect(hostileEmail.html).toContain('&lt;img src=x onerror=alert(1)&gt; / prod');
    expect(hostileEmail.html).toContain('&quot;&gt;&lt;script&gt;window.__injected=3&lt;/script&gt;');
    for (const text of [hostile.app, hostile.package, hostile.summary]) {
      expect(hostileEmail.text).toContain(text);
      expect(visibleText(hostileEmail.html)).toContain(text);
    }
    expect(hostileEmail.subject).toBe(email.subject);
    expectSameFacts(hostileEmail);
  });

  it('links only to the dashboard and the unsubscribe address given, and only to web addresses', () => {
    expect(hrefsOf(email.html)).toEqual([links.dashboardUrl, links.unsubscribeUrl.replace('&', '&amp;')]);
    expect(email.text).toContain(`Open the Muster dashboard: ${links.dashboardUrl}\n`);
    expect(email.text).toContain(`Unsubscribe: ${links.unsubscribeUrl}\n`);

    const withoutDashboard = renderWeeklySummaryEmail(summary, { ...links, dashboardUrl: '' });
    expect(hrefsOf(withoutDashboard.html)).toEqual([links.unsubscribeUrl.replace('&', '&amp;')]);
    expect(withoutDashboard.text).not.toContain('dashboard:');

    const unsafe = renderWeeklySummaryEmail(summary, {
      dashboardUrl: 'javascript:alert(1)',
      unsubscribeUrl: 'data:text/html,<script>alert(1)</script>',
    });
    expect(hrefsOf(unsafe.html)).toEqual([]);
    expectInert(unsafe.html);
    expect(unsafe.text).not.toMatch(/javascript:|data:/);
  });
});

describe('renderAlertEmail', () => {
  const event = alertEvent();
  const email = renderAlertEmail('acme', [event], links);

  it('names the finding, where it runs and the organization in its subject', () => {
    expect(email.subject).toBe('[acme] Critical: CVE-2026-1001 in plug on billing/prod (internet-facing)');
    const several = renderAlertEmail(
      'acme',
      [alertEvent({}, { vulnerability: 'CVE-2026-2002', severity: 'high' }), event],
      links,
    );
    expect(several.subject).toBe('[acme] 2 new critical or high findings on billing/prod (internet-facing)');
  });

  it('keeps the subject on one line, without control characters, at most 150 characters', () => {
    const long = renderAlertEmail(
      'acme',
      [alertEvent({ package: `plug\r\nBcc: victim@example.com\u0007\u202e${'x'.repeat(300)}` })],
      links,
    ).subject;
    expect(long).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(long).toMatch(/^\[acme\] Critical: CVE-2026-1001 in plug Bcc: victim@example.com x+…$/);
    expect(Array.from(long)).toHaveLength(150);
  });

  it('tells where it runs, the advisory, the vulnerable code, the instances, the fix and the advice', () => {
    expect(email.text).toContain(
      [
        'CVE-2026-1001 (GHSA-aaaa-bbbb-cccc)',
        '-----------------------------------',
        '[CRITICAL] Header injection in Plug.Conn allows request smuggling',
        'Where: billing/prod [production, internet-facing, personal data]',
        'Reported URLs: https://billing.example.com, https://api.billing.example.com/v1',
        'Vulnerable code:',
        '  Modules: Plug.Conn',
        '  Functions: Plug.Conn.put_resp_header/3',
        '  Files: lib/plug/conn.ex',
        '  Conditions: when headers are taken from user input',
        'Exposed instances (5):',
        '- billing@web-1: plug 1.16.1',
        '- billing@web-2: plug 1.16.1 (loaded, not started)',
        '…and 3 more',
        'Fixed in: plug 1.16.2',
        'What to do: upgrade plug to 1.16.2',
        'Opened 2026-11-27 10:00 UTC',
      ].join('\n'),
    );
    expectSameFacts(email);
  });

  it('says when no version fixes it yet, and leaves out what the event does not give', () => {
    const unfixed = renderAlertEmail(
      'acme',
      [
        alertEvent(
          {},
          {
            fixed_in: null,
            advice: 'no fixed version of plug is known',
            instance_count: 2,
            urls: [],
            handles_pii: false,
            vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
          },
        ),
      ],
      links,
    );
    for (const part of [visibleText(unfixed.html), unfixed.text]) {
      expect(part).toContain('Fixed in: no fixed version yet');
      expect(part).not.toContain('more');
      expect(part).not.toContain('Vulnerable code');
      expect(part).not.toContain('Reported URLs');
      expect(part).not.toContain('personal data');
    }
    expectSameFacts(unfixed);
  });

  it('lists several events worst first, in both parts', () => {
    const several = renderAlertEmail(
      'acme',
      [alertEvent({}, { vulnerability: 'CVE-2026-2002', severity: 'high', aliases: [] }), event],
      links,
    );
    expect(several.text.indexOf('CVE-2026-1001 (GHSA')).toBeLessThan(several.text.indexOf('CVE-2026-2002'));
    expect(visibleText(several.html)).toContain('2 new findings on billing/prod');
    expectSameFacts(several);
  });

  it('escapes names, instances, packages, summaries and URLs from agents, and never links them', () => {
    const hostileEmail = renderAlertEmail('acme', [alertEvent(hostile)], links);
    expectInert(hostileEmail.html);
    expect(hostileEmail.html).toContain('&quot;&gt;&lt;script&gt;window.__injected=1&lt;/script&gt;');
    expect(hostileEmail.html).toContain('&lt;img src=x onerror=window.__injected=2&gt; 1.16.1');
    for (const text of [hostile.app, hostile.instance, hostile.package, hostile.summary, hostile.url]) {
      expect(hostileEmail.text).toContain(text);
      expect(visibleText(hostileEmail.html)).toContain(text);
    }
    expect(hrefsOf(hostileEmail.html)).toEqual([
      links.dashboardUrl,
      links.unsubscribeUrl.replace('&', '&amp;'),
    ]);
    // Reported URLs are text, broken where mail clients would make them links.
    expect(email.html).not.toContain('https://billing.example.com');
    expect(visibleText(email.html)).toContain('https://billing.example.com');
    expectSameFacts(hostileEmail);
  });

  it('refuses to render no events', () => {
    expect(() => renderAlertEmail('acme', [], links)).toThrow(/at least one event/);
  });
});

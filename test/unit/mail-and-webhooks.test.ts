import { describe, expect, it } from 'vitest';
import { mimeMessage } from '../../shared/email/mime.ts';
import { isEmailAddress } from '../../shared/email-address.ts';
import type { AlertEvent } from '../../shared/entities/finding.ts';
import { retryDelaySeconds } from '../../shared/notifications.ts';
import {
  readUnsubscribeToken,
  unsubscribeToken,
  verifyUnsubscribeToken,
} from '../../shared/unsubscribe-token.ts';
import { verifyWebhook, webhookHeaders, webhookPayload, webhookUrlProblem } from '../../shared/webhook.ts';

/** Headers and decoded parts of a message from mimeMessage, read as a mail client would. */
function readMime(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head!.replaceAll(/\r\n /g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const boundary = /boundary="([^"]+)"/.exec(headers.get('content-type')!)![1]!;
  const parts = rest
    .join('\r\n\r\n')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [partHead, body] = part.trim().split('\r\n\r\n');
      return {
        type: /Content-Type: ([^;]+)/.exec(partHead!)![1],
        text: Buffer.from(body!, 'base64').toString('utf8'),
      };
    });
  const subject = headers
    .get('subject')!
    .split(' ')
    .map((word) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(word)![1]!, 'base64').toString('utf8'))
    .join('');
  return { headers, parts, subject };
}

describe('mimeMessage', () => {
  const message = {
    from: 'muster@acme.example',
    to: 'security@acme.example',
    subject: 'Critical: CVE-2026-0001 in plug on billing/prod — 😱 ünïcödé '.repeat(3),
    text: 'line one\nline two <b>not markup</b>',
    html: '<p>line one</p>',
    headers: {
      'List-Unsubscribe': '<https://api.example/v1/unsubscribe?token=abc.def>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    date: new Date('2026-12-07T08:00:00Z'),
  };

  it('makes a multipart/alternative message with the text first, the subject intact and the unsubscribe headers', () => {
    const raw = mimeMessage(message);
    const { headers, parts, subject } = readMime(raw);
    expect(subject).toBe(message.subject);
    expect(headers.get('to')).toBe('security@acme.example');
    expect(headers.get('list-unsubscribe')).toBe('<https://api.example/v1/unsubscribe?token=abc.def>');
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(headers.get('date')).toBe('Mon, 07 Dec 2026 08:00:00 GMT');
    expect(parts).toEqual([
      { type: 'text/plain', text: message.text },
      { type: 'text/html', text: message.html },
    ]);
    // Every line within the 998 characters a mail line may hold, and encoded words within 75.
    expect(Math.max(...raw.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(998);
    expect(
      Math.max(
        ...headers
          .get('subject')!
          .split(' ')
          .map((word) => word.length),
      ),
    ).toBeLessThanOrEqual(75);
  });

  it('refuses a header that would break a line, and keeps a subject that tries to', () => {
    expect(() => mimeMessage({ ...message, to: 'a@b.example\r\nBcc: eve@x.example' })).toThrow(
      /printable ASCII/,
    );
    expect(() => mimeMessage({ ...message, headers: { 'X-Evil\r\nBcc': 'x' } })).toThrow();
    const { headers, subject } = readMime(
      mimeMessage({ ...message, subject: 'hello\r\nBcc: eve@x.example' }),
    );
    expect(headers.has('bcc')).toBe(false);
    expect(subject).toBe('hello\r\nBcc: eve@x.example');
  });
});

describe('isEmailAddress', () => {
  it('takes plain addresses and refuses display names, lists and line breaks', () => {
    expect(isEmailAddress('security+muster@acme.example')).toBe(true);
    for (const bad of [
      'Eve <eve@x.example>',
      'a@b.example,c@d.example',
      'a@b.example\r\n',
      'nobody',
      'a@localhost',
    ])
      expect(isEmailAddress(bad), bad).toBe(false);
  });
});

describe('unsubscribe tokens', () => {
  const subscription = { org: 'acme', list: 'summary', address: 'security@acme.example' } as const;

  it('carry their subscription and verify only under the secret that signed them, unchanged', () => {
    const token = unsubscribeToken('secret-1', subscription);
    expect(readUnsubscribeToken(token)).toEqual(subscription);
    expect(verifyUnsubscribeToken('secret-1', token)).toBe(true);
    expect(verifyUnsubscribeToken('secret-2', token)).toBe(false);
    const [, signature] = token.split('.');
    const other = unsubscribeToken('secret-1', { ...subscription, address: 'cto@acme.example' });
    expect(verifyUnsubscribeToken('secret-1', `${other.split('.')[0]}.${signature}`)).toBe(false);
    for (const broken of ['', 'x', 'a.b.c', `${Buffer.from('{"org":1}').toString('base64url')}.sig`])
      expect(readUnsubscribeToken(broken), broken).toBeUndefined();
  });
});

describe('webhooks', () => {
  const event = {
    id: 'acme/billing/prod/CVE-2026-0001/2026-12-01T00:00:00.000Z',
    type: 'finding.opened',
    org: 'acme',
    app: 'billing',
    environment: 'prod',
    vulnerability: 'CVE-2026-0001',
    aliases: [],
    severity: 'critical',
    summary: 'Injection via <!channel> & <https://evil.example|click here>',
    package: 'plug',
    packages: ['plug'],
    basis: 'application',
    vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
    instances: [
      {
        instance: 'web-1',
        package: 'plug',
        version: '1.15.0',
        started: true,
        basis: 'application',
        fixed_in: '1.15.4',
      },
    ],
    instance_count: 1,
    fixed_in: '1.15.4',
    advice: 'upgrade plug to 1.15.4',
    urls: [],
    handles_pii: true,
    opened_at: '2026-12-01T00:00:00.000Z',
  } satisfies AlertEvent;

  it('are Slack-compatible with what agents sent shown as text, signed over the raw body and dated', () => {
    const sentAt = new Date('2026-12-07T08:00:00Z');
    const payload = webhookPayload('acme', 'billing', 'prod', [event], sentAt, 'https://muster.acme.example');
    expect(payload.text).toContain('CVE-2026-0001');
    expect(payload.text).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;');
    expect(payload.text).not.toMatch(/<[!h]/);
    expect(payload.timestamp).toBe(sentAt.getTime() / 1000);
    const body = JSON.stringify(payload);
    const headers = webhookHeaders('whsec_1', body, payload);
    expect(headers['x-muster-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook('whsec_1', body, headers, sentAt)).toEqual(payload);
    expect(verifyWebhook('whsec_1', body.replace('billing', 'billinh'), headers, sentAt)).toBeUndefined();
    expect(verifyWebhook('whsec_1', body, headers, new Date(sentAt.getTime() + 301_000))).toBeUndefined();
    // The same events make the same delivery id, whichever try carries them.
    expect(webhookPayload('acme', 'billing', 'prod', [event], new Date(), '').delivery).toBe(
      payload.delivery,
    );
  });

  it('go only to https, or to http on loopback for testing, without credentials', () => {
    expect(webhookUrlProblem('https://hooks.slack.com/services/T/B/X')).toBeUndefined();
    expect(webhookUrlProblem('http://127.0.0.1:9000/hook')).toBeUndefined();
    expect(webhookUrlProblem('http://hooks.example/')).toMatch(/https/);
    expect(webhookUrlProblem('https://u:p@hooks.example/')).toMatch(/credentials/);
    expect(webhookUrlProblem('file:///etc/passwd')).toMatch(/https/);
    expect(webhookUrlProblem('not a url')).toMatch(/absolute/);
  });
});

describe('retryDelaySeconds', () => {
  it('waits a minute, then five, then fifteen: about half an hour over the five tries of the work queue', () => {
    expect([1, 2, 3, 4, 5].map(retryDelaySeconds)).toEqual([60, 300, 900, 900, 900]);
  });
});

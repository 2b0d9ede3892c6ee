import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as organizationRoute } from '../../functions/organization.ts';
import { handler as processWork } from '../../functions/process-work.ts';
import {
  readOrganization,
  setAlertRecipients,
  setSummaryRecipients,
  setWebhook,
} from '../../functions/stores/organization-store.ts';
import { handler as unsubscribeRoute } from '../../functions/unsubscribe.ts';
import { handler as weeklySummary } from '../../functions/weekly-summary.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import type { AlertNotification, Notification } from '../../shared/notifications.ts';
import { verifyWebhook } from '../../shared/webhook.ts';
import { bodyOf, context, httpEvent, sqsEvent, workEvent } from '../support/events.ts';
import { heartbeatMessage, recently, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, receiveWork, servers } from '../support/local-services.ts';
import { criticalAdvisoryOf, packageName } from '../support/test-advisory.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Alerts and weekly summaries through the work consumer, into aws-ses-v2-local (its /store
 * holds every email it was given) and a webhook receiver on loopback.
 */

interface StoredEmail {
  subject: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  body: { text?: string; html?: string };
}

async function emailsTo(address: string): Promise<StoredEmail[]> {
  const { emails } = (await (await fetch(`${servers.ses}/store`)).json()) as { emails: StoredEmail[] };
  return emails.filter((email) => email.destination.to.includes(address));
}

/** SQS hands the work consumer these notifications; the messages it reports as failed. */
async function send(...notifications: Notification[]) {
  return (await processWork(sqsEvent(notifications), context)).batchItemFailures;
}

/** The notifications of the organization that this file's work queue holds. */
async function notificationsOf(org: string): Promise<Notification[]> {
  const ofKind = async (kind: Notification['kind']) =>
    ((await receiveWork(kind)) as Omit<Notification, 'kind'>[]).map(
      (body) => ({ kind, ...body }) as Notification,
    );
  return [...(await ofKind('alert')), ...(await ofKind('summary'))].filter((n) => n.org === org);
}

async function report(org: string, heartbeats: Partial<Heartbeat>[]) {
  const messages = heartbeats.map((heartbeat) =>
    heartbeatMessage(org, { sent_at: recently(30), runtime: {}, ...heartbeat }, recently(29)),
  );
  expect((await processWork(workEvent('heartbeat', messages), context)).batchItemFailures).toEqual([]);
}

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver.stop());

describe('alerts', () => {
  it('emails each alert recipient and posts the webhook once, however many instances and deliveries', async () => {
    const org = uniqueOrg('alert');
    await keyFor(org, 'admin');
    const oncall = `oncall-${org}@acme.example`;
    const lead = `lead-${org}@acme.example`;
    await setAlertRecipients(org, [oncall, lead]);
    const secret = 'whsec_test-secret';
    await setWebhook(org, receiver.url, secret, new Date());
    const name = packageName(org);
    const id = await criticalAdvisoryOf(name, '2.0.1');

    // Two instances of an internet-facing production app run the vulnerable version.
    await report(org, [
      { instance: 'billing@web-1', deps: [{ name, version: '2.0.0' }] },
      { instance: 'billing@web-2', deps: [{ name, version: '2.0.0' }] },
    ]);
    // A later heartbeat of one of them changes nothing that alerts.
    await report(org, [
      { instance: 'billing@web-1', sent_at: recently(10), deps: [{ name, version: '2.0.0' }] },
    ]);
    const notifications = await notificationsOf(org);
    expect(notifications).toEqual([
      expect.objectContaining({ kind: 'alert', org, app: 'billing', environment: 'prod' }),
    ]);
    const [notification] = notifications as [AlertNotification];
    expect(notification.events.map((event) => event.vulnerability)).toEqual([id]);

    // SQS delivers the notification twice at once, and once more later.
    expect(await Promise.all([send(notification), send(notification)])).toEqual([[], []]);
    expect(await send(notification)).toEqual([]);

    for (const address of [oncall, lead]) {
      const emails = await emailsTo(address);
      expect(emails).toHaveLength(1);
      const [email] = emails as [StoredEmail];
      expect(email.destination.to).toEqual([address]);
      expect(email.subject).toContain(id);
      for (const part of [email.body.text!, email.body.html!]) {
        expect(part).toContain('billing');
        expect(part).toContain('billing@web-1');
        expect(part).toContain('billing@web-2');
        expect(part).toContain('2.0.1');
        expect(part).toContain('https://muster.test/v1/unsubscribe?token=');
      }
    }

    const deliveries = receiver.received.filter((delivery) => delivery.body.includes(`"org":"${org}"`));
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    const headers = delivery!.headers as Record<string, string>;
    const payload = verifyWebhook(secret, delivery!.body, headers, new Date());
    expect(payload).toMatchObject({ org, app: 'billing', environment: 'prod', type: 'findings.opened' });
    expect(payload?.events).toEqual([expect.objectContaining({ vulnerability: id, instance_count: 2 })]);
    expect(payload?.text).toContain(id);
    expect(verifyWebhook('whsec_other', delivery!.body, headers, new Date())).toBeUndefined();
    // A delivery replayed later than the tolerance is refused even with its valid signature.
    expect(
      verifyWebhook(secret, delivery!.body, headers, new Date(Date.now() + 10 * 60_000)),
    ).toBeUndefined();
  });

  it('retries a webhook that failed without emailing again, and sends nothing for an organization without channels', async () => {
    const failing = await startWebhookReceiver([500]);
    try {
      const org = uniqueOrg('retry');
      await keyFor(org, 'admin');
      const oncall = `oncall-${org}@acme.example`;
      await setAlertRecipients(org, [oncall]);
      await setWebhook(org, failing.url, 'whsec_retry', new Date());
      const name = packageName(org);
      await criticalAdvisoryOf(name, '3.0.0');
      await report(org, [{ instance: 'billing@web-1', deps: [{ name, version: '2.9.0' }] }]);
      const [notification] = (await notificationsOf(org)) as [AlertNotification];

      expect(await send(notification)).toHaveLength(1);
      expect(failing.received).toHaveLength(1);
      expect(await emailsTo(oncall)).toHaveLength(1);

      expect(await send(notification)).toEqual([]);
      expect(failing.received).toHaveLength(2);
      expect(failing.received[0]!.headers['x-muster-delivery']).toBe(
        failing.received[1]!.headers['x-muster-delivery'],
      );
      expect(await emailsTo(oncall)).toHaveLength(1);
    } finally {
      await failing.stop();
    }

    const quiet = uniqueOrg('quiet');
    await keyFor(quiet, 'admin');
    const name = packageName(quiet);
    await criticalAdvisoryOf(name, '3.0.0');
    await report(quiet, [{ instance: 'billing@web-1', deps: [{ name, version: '2.9.0' }] }]);
    const [notification] = (await notificationsOf(quiet)) as [AlertNotification];
    expect(await send(notification)).toEqual([]);
  });
});

describe('organization settings', () => {
  const route = (method: string, path: string, key: string, body?: unknown) =>
    organizationRoute(httpEvent({ method, path, key, body }), context);

  it('lets an admin set recipients and a webhook, answering the secret once, and refuses what is wrong', async () => {
    const org = uniqueOrg('settings');
    const admin = await keyFor(org, 'admin');
    const read = await keyFor(org, 'read');

    const recipients = await route('PUT', '/v1/organization/alert-recipients', admin, {
      emails: ['Sec@Acme.example', 'sec@acme.example', 'lead@acme.example'],
    });
    expect(recipients.statusCode).toBe(200);
    expect(bodyOf(recipients).alert_recipients).toEqual(['Sec@Acme.example', 'lead@acme.example']);

    const webhook = await route('PUT', '/v1/organization/webhook', admin, {
      url: 'https://hooks.acme.example/muster',
    });
    expect(webhook.statusCode).toBe(200);
    const { secret } = bodyOf(webhook).webhook;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect((await readOrganization(org))?.webhook?.secret).toBe(secret);

    const settings = await route('GET', '/v1/organization', admin);
    expect(bodyOf(settings)).toEqual({
      org,
      summary_recipients: [],
      alert_recipients: ['Sec@Acme.example', 'lead@acme.example'],
      webhook: { url: 'https://hooks.acme.example/muster', created_at: expect.any(String) },
      github_owners: [],
    });
    expect(settings.body).not.toContain('whsec_');

    const refusals = [
      [
        await route('PUT', '/v1/organization/alert-recipients', admin, {
          emails: ['a@b.example', 'Eve <eve@x.example>'],
        }),
        400,
        'emails[1]',
      ],
      [
        await route('PUT', '/v1/organization/summary-recipients', admin, { emails: 'a@b.example' }),
        400,
        'emails',
      ],
      [
        await route('PUT', '/v1/organization/webhook', admin, { url: 'http://hooks.acme.example/' }),
        400,
        'url',
      ],
      [
        await route('PUT', '/v1/organization/webhook', admin, { url: 'https://user:pw@hooks.acme.example/' }),
        400,
        'url',
      ],
    ] as const;
    for (const [response, status, field] of refusals) {
      expect(response.statusCode).toBe(status);
      expect(bodyOf(response).error.field).toBe(field);
    }
    expect((await route('GET', '/v1/organization', read)).statusCode).toBe(403);
    expect((await route('DELETE', '/v1/organization/webhook', admin)).statusCode).toBe(200);
    expect((await readOrganization(org))?.webhook).toBeUndefined();
  });
});

describe('unsubscribe', () => {
  const unsubscribeLink = (email: StoredEmail) =>
    /https:\/\/muster\.test\/v1\/unsubscribe\?token=([A-Za-z0-9_.-]+)/.exec(email.body.text ?? '')?.[1];
  const open = (method: 'GET' | 'POST', token: string) =>
    unsubscribeRoute(
      httpEvent({
        method,
        path: '/v1/unsubscribe',
        query: { token },
        ...(method === 'POST'
          ? { rawBody: 'List-Unsubscribe=One-Click', contentType: 'application/x-www-form-urlencoded' }
          : {}),
      }),
      context,
    );

  it('takes a recipient off the summary with its one-click link, and refuses a forged one', async () => {
    const org = uniqueOrg('unsub');
    await keyFor(org, 'admin');
    const leaving = `leaving-${org}@acme.example`;
    const staying = `staying-${org}@acme.example`;
    await setSummaryRecipients(org, [leaving, staying]);
    const week = '2026-W49';
    expect(await send({ kind: 'summary', org, week })).toEqual([]);
    const [email] = await emailsTo(leaving);
    const token = unsubscribeLink(email!);
    expect(token).toBeDefined();

    const confirm = await open('GET', token!);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('<form method="post">');
    expect(confirm.headers?.['content-security-policy']).toContain("default-src 'none'");
    // Opening the link alone (as a mail scanner does) unsubscribes nobody.
    expect((await readOrganization(org))?.summary_recipients).toEqual([leaving, staying]);

    const [payload, signature] = token!.split('.');
    const forged = `${Buffer.from(JSON.stringify({ org, list: 'summary', address: staying })).toString('base64url')}.${signature}`;
    expect((await open('POST', forged)).statusCode).toBe(400);
    // One character of the signature changed (to another one, whatever it was).
    const altered = `${signature!.startsWith('x') ? 'y' : 'x'}${signature!.slice(1)}`;
    expect((await open('POST', `${payload}.${altered}`)).statusCode).toBe(400);
    expect((await open('GET', 'not-a-token')).statusCode).toBe(400);

    expect((await open('POST', token!)).statusCode).toBe(200);
    expect((await readOrganization(org))?.summary_recipients).toEqual([staying]);
    expect((await open('POST', token!)).statusCode).toBe(200);
    expect((await open('GET', token!)).body).toContain('Already unsubscribed');

    expect(await send({ kind: 'summary', org, week, force: true })).toEqual([]);
    expect(await emailsTo(leaving)).toHaveLength(1);
    expect(await emailsTo(staying)).toHaveLength(2);
  });
});

describe('weekly summary', () => {
  it('asks for one summary per organization with recipients, and a second run of the week sends nothing more', async () => {
    const org = uniqueOrg('weekly');
    await keyFor(org, 'read');
    const security = `security-${org}@acme.example`;
    const cto = `cto-${org}@acme.example`;
    await setSummaryRecipients(org, [security, cto]);
    const silent = uniqueOrg('norecipients');
    await keyFor(silent, 'read');
    const name = packageName(org);
    const id = await criticalAdvisoryOf(name, '2.0.1');
    await report(org, [
      { instance: 'billing@web-1', deps: [{ name, version: '2.0.0' }] },
      { instance: 'billing@web-2', deps: [{ name, version: '2.0.0' }] },
      {
        app: 'billing',
        environment: 'staging',
        internet_facing: false,
        instance: 'billing@stage-1',
        deps: [{ name, version: '2.0.0' }],
      },
      { app: 'shop', instance: 'shop@web-1', deps: [{ name, version: '2.0.1' }] },
    ]);
    await receiveWork('alert');

    const time = '2026-12-07T08:00:00Z';
    expect(await weeklySummary({ time })).toMatchObject({ week: '2026-W50' });
    const queued = await notificationsOf(org);
    expect(queued).toEqual([{ kind: 'summary', org, week: '2026-W50' }]);
    expect(await notificationsOf(silent)).toEqual([]);
    expect(await send(...queued)).toEqual([]);

    for (const address of [security, cto]) {
      const emails = await emailsTo(address);
      expect(emails).toHaveLength(1);
      const [email] = emails as [StoredEmail];
      expect(email.destination).toMatchObject({ to: [address], cc: [], bcc: [] });
      expect(email.subject).toContain(org);
      expect(email.subject).toContain('1 critical finding on internet-facing apps');
      for (const part of [email.body.text!, email.body.html!]) {
        expect(part).toContain(id);
        expect(part).toContain('2.0.1');
      }
    }

    // The schedule's run retried, and its message delivered twice: nothing more goes out.
    await weeklySummary({ time: '2026-12-07T09:30:00Z' });
    const again = await notificationsOf(org);
    expect(await send(...again, ...again)).toEqual([]);
    expect(await emailsTo(security)).toHaveLength(1);
    expect(await emailsTo(cto)).toHaveLength(1);
  });
});

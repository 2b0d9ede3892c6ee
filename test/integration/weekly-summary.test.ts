import { describe, expect, it } from 'vitest';
import { handler as processWork } from '../../functions/process-work.ts';
import { setSummaryRecipients } from '../../functions/stores/organization-store.ts';
import { handler as weeklySummary } from '../../functions/weekly-summary.ts';
import { context, workEvent } from '../support/events.ts';
import { heartbeatMessage, uniqueOrg } from '../support/fixtures.ts';
import { keyFor, servers } from '../support/local-services.ts';

interface StoredEmail {
  subject: string;
  from: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
}

async function emailsAbout(org: string): Promise<StoredEmail[]> {
  const { emails } = (await (await fetch(`${servers.ses}/store`)).json()) as { emails: StoredEmail[] };
  return emails.filter((email) => email.subject.includes(org));
}

describe('weekly-summary', () => {
  it('mails each organization with recipients a plain-text summary of what it runs', async () => {
    const org = uniqueOrg('summary');
    await keyFor(org, 'read');
    await setSummaryRecipients(org, ['security@acme.example']);
    const now = new Date().toISOString();
    await processWork(
      workEvent('heartbeat', [heartbeatMessage(org, { sent_at: now, instance: 'web-1' }, now)]),
      context,
    );
    const silent = uniqueOrg('silent');
    await keyFor(silent, 'read');

    const { sent } = await weeklySummary();
    expect(sent).toBeGreaterThanOrEqual(1);
    const [email] = await emailsAbout(org);
    expect(email?.destination.to).toEqual(['security@acme.example']);
    expect(email?.body.html).toBeUndefined();
    // Running findings depend on the advisories other test files import; the scan counts do not.
    expect(email?.body.text).toMatch(
      /billing \/ prod \| internet-facing, PII \| 1\/0 \| 1\.17\.3 \| 27\.1\.2 \| \d+\/\d+\/\d+\/\d+ \| 0\/0\/0\/0/,
    );
    expect(await emailsAbout(silent)).toEqual([]);
  });
});

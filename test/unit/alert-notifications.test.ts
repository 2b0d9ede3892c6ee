import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../shared/entities/finding.ts';
import { alertNotifications, maxAlertBodyBytes } from '../../shared/notifications.ts';
import { queueBody } from '../../shared/queue-body.ts';

/** A new finding's event with `instances` instance rows, each named with long non-ASCII text. */
function event(vulnerability: string, instances: number): AlertEvent {
  return {
    id: `acme/billing/prod/${vulnerability}/2026-12-01T00:00:00.000Z`,
    type: 'finding.opened',
    org: 'acme',
    app: 'billing',
    environment: 'prod',
    vulnerability,
    aliases: [],
    severity: 'critical',
    summary: 'Remote code execution',
    package: 'plug',
    packages: ['plug'],
    basis: 'application',
    vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
    instances: Array.from({ length: instances }, (_, index) => ({
      instance: `${'ünïcödé-'.repeat(20)}${index}`,
      package: 'plug',
      version: '1.15.0',
      started: true,
      basis: 'application',
      fixed_in: '1.15.4',
    })),
    instance_count: instances,
    fixed_in: '1.15.4',
    advice: 'upgrade plug to 1.15.4',
    urls: [],
    handles_pii: true,
    opened_at: '2026-12-01T00:00:00.000Z',
  };
}

const eventsOf = (notifications: { events: AlertEvent[] }[]) =>
  notifications.flatMap((notification) => notification.events.map((e) => e.vulnerability));

describe('alertNotifications', () => {
  it('sends the alerts of one evaluation as one notification when they fit', () => {
    const events = [event('CVE-1', 3), event('CVE-2', 3)];
    expect(alertNotifications('acme', 'billing', 'prod', events)).toEqual([
      { kind: 'alert', org: 'acme', app: 'billing', environment: 'prod', events },
    ]);
  });

  it('splits many large events into messages that each fit, keeping every event in order', () => {
    const events = Array.from({ length: 30 }, (_, index) => event(`CVE-${index}`, 100));
    expect(queueBody({ events }).length).toBeGreaterThan(1024 * 1024);
    const notifications = alertNotifications('acme', 'billing', 'prod', events);
    expect(notifications.length).toBeGreaterThan(1);
    for (const notification of notifications) {
      expect(queueBody(notification).length).toBeLessThanOrEqual(maxAlertBodyBytes);
      expect(notification).toMatchObject({ kind: 'alert', org: 'acme', app: 'billing', environment: 'prod' });
    }
    expect(eventsOf(notifications)).toEqual(events.map((e) => e.vulnerability));
  });

  it('fills each message as far as it goes, to the byte', () => {
    const events = [event('CVE-1', 1), event('CVE-2', 1), event('CVE-3', 1)];
    const two = queueBody({
      kind: 'alert',
      org: 'acme',
      app: 'billing',
      environment: 'prod',
      events: events.slice(0, 2),
    });
    const split = alertNotifications('acme', 'billing', 'prod', events, two.length);
    expect(split.map((notification) => notification.events.length)).toEqual([2, 1]);
    expect(
      alertNotifications('acme', 'billing', 'prod', events, two.length - 1).map((n) => n.events.length),
    ).toEqual([1, 1, 1]);
  });

  it('sends an event larger than the limit alone rather than leave it out', () => {
    const notifications = alertNotifications(
      'acme',
      'billing',
      'prod',
      [event('CVE-1', 1), event('CVE-2', 1)],
      100,
    );
    expect(eventsOf(notifications)).toEqual(['CVE-1', 'CVE-2']);
    expect(notifications).toHaveLength(2);
  });
});

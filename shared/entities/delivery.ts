import type { TableKey } from './key-parts.ts';

/**
 * A record that something went out to someone, so that it goes out once: `DELIVERY#<org>` / `<what>`,
 * in a partition of its own so that reading an organization's inventory never reads them. Claimed
 * (`sending`) before the send, so that two deliveries of one message never both send; `sent` after it.
 * A claim whose holder died lapses at `claimed_until`; the record itself expires with TTL.
 */
export interface DeliveryItem extends TableKey {
  state: 'sending' | 'sent';
  owner: string;
  claimed_until: number;
  sent_at?: string;
  expires_at: number;
}

export const deliveryKey = (org: string, what: string): TableKey => ({ pk: `DELIVERY#${org}`, sk: what });

/**
 * An alert goes once per finding and channel. For 30 days a finding that is fixed and opens again
 * (an instance rolled back, a flapping deploy) does not alert again; after that it does.
 */
export const alertDeliverySeconds = 30 * 24 * 3600;

export const alertDelivery = (
  app: string,
  environment: string,
  vulnerability: string,
  channel: string,
): string => `ALERT#${app}#${environment}#${vulnerability}#${channel}`;

/** A week's summary goes once per recipient; the record outlives the week by a month. */
export const summaryDeliverySeconds = 40 * 24 * 3600;

export const summaryDelivery = (week: string, address: string): string => `SUMMARY#${week}#${address}`;

import type { UsageOutboxRecord } from '../usage.ts';
import type { TableKey } from './key-parts.ts';

/**
 * An app in one environment (billing/prod): its classification as the agents last reported it and the
 * overrides an admin set, which win. Listed per organization with begins_with(sk, 'APPENV#').
 */
export interface AppEnvironmentItem extends TableKey {
  app: string;
  environment: string;
  first_seen: string;
  /** sent_at of the heartbeat whose classification is stored; an older one never replaces it. */
  reported_sent_at: string;
  reported: Classification;
  overrides?: Partial<Classification>;
  /** Set by the first evaluation that wrote its usage rows (entities/usage.ts). */
  usage_indexed?: boolean;
  /** The outbox of an evaluation that has not finished writing its usage rows (usage-store.ts). */
  usage_outbox?: UsageOutboxRecord;
}

export interface Classification {
  internet_facing: boolean;
  handles_pii: boolean;
  urls: string[];
}

export const appEnvironmentSortKeyPrefix = 'APPENV#';

export const appEnvironmentKey = (org: string, app: string, environment: string): TableKey => ({
  pk: `ORG#${org}`,
  sk: `${appEnvironmentSortKeyPrefix}${app}#${environment}`,
});

export function effectiveClassification(
  item: Pick<AppEnvironmentItem, 'reported' | 'overrides'>,
): Classification {
  return { ...item.reported, ...item.overrides };
}

import { affects } from '../../shared/advisories/affected.ts';
import { type FindingItem, vulnerabilityFindingsPartition } from '../../shared/entities/finding.ts';
import { config } from '../lib/config.ts';
import { readVulnerability } from './advisory-store.ts';
import { evaluateAppEnvironment } from './finding-store.ts';
import { affectedKeys, readPackageIndex } from './lookup-store.ts';
import { listOrganizations } from './organization-store.ts';
import { queryAll } from './query-all.ts';

interface AppEnvironmentRef {
  org: string;
  app: string;
  environment: string;
}

/**
 * Matches one new or changed vulnerability against everything that runs: each organization's package
 * index is read for the affected packages, in the key range of the affected versions (no table scan),
 * together with the app-environments that already have findings of it (a corrected advisory may flag
 * fewer versions), and each such app-environment is evaluated again.
 */
export async function rematchVulnerability(id: string): Promise<{ appEnvironments: number; opened: number }> {
  const vulnerability = await readVulnerability(id);
  const targets = new Map<string, AppEnvironmentRef>();
  const add = (ref: AppEnvironmentRef) => targets.set(`${ref.org}#${ref.app}#${ref.environment}`, ref);
  if (vulnerability) {
    for (const { org } of await listOrganizations()) {
      for (const affected of vulnerability.affected) {
        for (const item of await readPackageIndex(org, affected.package, affectedKeys(affected))) {
          if (item.ecosystem === affected.ecosystem && affects(affected, item.version)) {
            add({ org, app: item.app, environment: item.environment });
          }
        }
      }
    }
  }
  const findings = await queryAll<FindingItem>({
    TableName: config.TABLE_NAME,
    IndexName: 'gsi1',
    KeyConditionExpression: 'gsi1pk = :pk',
    ExpressionAttributeValues: { ':pk': vulnerabilityFindingsPartition(vulnerability?.id ?? id) },
  });
  for (const finding of findings) {
    add({ org: finding.pk.slice('ORG#'.length), app: finding.app, environment: finding.environment });
  }
  let opened = 0;
  for (const { org, app, environment } of targets.values()) {
    opened += (await evaluateAppEnvironment(org, app, environment, { freshAdvisories: true })).opened;
  }
  return { appEnvironments: targets.size, opened };
}

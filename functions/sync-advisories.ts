import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { advisoryFormat } from '../shared/advisories/vulnerability.ts';
import { advisorySyncKey } from '../shared/entities/vulnerability.ts';
import { readAdvisorySource } from './lib/advisory-sources.ts';
import { config } from './lib/config.ts';
import { documents } from './lib/dynamodb.ts';
import { logger } from './lib/logger.ts';
import { importAdvisories } from './use-cases/import-advisories.ts';

/**
 * Fired daily: imports each source in ADVISORY_SOURCES (comma-separated URLs; by default OSV's Hex
 * export, which carries both the Erlang Ecosystem Foundation's and GitHub's advisories), keeping
 * only the records modified since the last sync of that source.
 */
export const handler = async (): Promise<{ sources: number; changed: number }> => {
  const sources = (process.env.ADVISORY_SOURCES ?? '')
    .split(',')
    .map((source) => source.trim())
    .filter(Boolean);
  let changed = 0;
  for (const source of sources) {
    const key = advisorySyncKey(source);
    const { Item } = await documents.send(new GetCommand({ TableName: config.TABLE_NAME, Key: key }));
    const since = Item?.format === advisoryFormat ? (Item.newest_modified as string | undefined) : undefined;
    const result = await importAdvisories(await readAdvisorySource(source), since);
    if (result.errors.length > 0)
      logger.warn('advisories that could not be read', { source, errors: result.errors });
    if (result.newestModified) {
      await documents.send(
        new PutCommand({
          TableName: config.TABLE_NAME,
          Item: {
            ...key,
            newest_modified: result.newestModified,
            format: advisoryFormat,
            synced_at: new Date().toISOString(),
          },
        }),
      );
    }
    changed += result.changed.length;
    logger.info('advisories synced', {
      source,
      files: result.files,
      changed: result.changed.length,
      merged_by_content: result.merged.filter((merge) => merge.by === 'content'),
    });
  }
  return { sources: sources.length, changed };
};

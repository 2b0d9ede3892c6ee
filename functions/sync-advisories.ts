import { parseAdvisorySources, sourceFailedMetric, sourceSyncedMetric } from '../shared/advisory-sources.ts';
import { logger } from './lib/logger.ts';
import { MetricUnit, metrics } from './lib/metrics.ts';
import { type SyncRun, syncAdvisorySources } from './use-cases/sync-advisory-sources.ts';

/**
 * Fired every ten minutes, and by `advisories sync [--full]`: syncs each source of ADVISORY_SOURCES
 * (see shared/advisory-sources.ts) and reports each one's outcome as a log line and a metric.
 */
export const handler = async (event: { full?: boolean } | undefined): Promise<SyncRun> => {
  const sources = parseAdvisorySources(process.env.ADVISORY_SOURCES ?? '');
  const run = await syncAdvisorySources(sources, { full: event?.full === true });
  if (run.skipped) logger.info('advisory sync skipped: another sync is running');
  for (const result of run.sources) {
    const { source, outcome, error, fetched, changed, withdrawn, rejected, failedDownloads } = result;
    const details = {
      source,
      outcome,
      fetched,
      changed: changed.length,
      withdrawn,
      rejected,
      failed_downloads: failedDownloads,
    };
    if (outcome === 'failed') logger.warn('advisory source failed', { source, error });
    else if (rejected.length > 0 || failedDownloads.length > 0)
      logger.warn('advisory source synced with records left out', details);
    else logger.info('advisory source synced', details);
    const metric = metrics.singleMetric();
    metric.addDimension('source', source);
    metric.addMetric(outcome === 'failed' ? sourceFailedMetric : sourceSyncedMetric, MetricUnit.Count, 1);
  }
  return run;
};

import { afterAll, describe, expect, it, vi } from 'vitest';
import type { SourceSyncResult } from '../../functions/use-cases/sync-advisory-sources.ts';

/**
 * The freshness alarm of each source watches one metric with exact dimensions (infra/constructs/
 * source-freshness-alarm.ts); this checks that the sync emits that very metric, in the embedded
 * metric format that CloudWatch reads from the log.
 */

const outcome = (source: string, result: SourceSyncResult['outcome']): SourceSyncResult => ({
  source,
  outcome: result,
  fetched: 0,
  changed: [],
  withdrawn: [],
  rejected: [],
  failedDownloads: [],
  ...(result === 'failed' ? { error: 'https://cna.example/cves/index.json answered 503' } : {}),
});

vi.mock('../../functions/use-cases/sync-advisory-sources.ts', () => ({
  syncAdvisorySources: async () => ({
    skipped: false,
    sources: [
      outcome('osv:https://osv.example/Hex', 'unchanged'),
      outcome('cve:https://cna.example/cves/index.json', 'failed'),
    ],
  }),
}));

const written: string[] = [];
const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
  written.push(String(chunk));
  return true;
});
afterAll(() => write.mockRestore());

describe('sync-advisories metrics', () => {
  it('counts each source’s success or failure with the source and service as dimensions', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.ADVISORY_SOURCES = 'osv:https://osv.example/Hex,cve:https://cna.example/cves/index.json';
    const { handler } = await import('../../functions/sync-advisories.ts');
    await handler({});
    const emitted = written
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & {
            _aws: {
              CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
            };
          },
      );
    expect(
      emitted.map((entry) => {
        const [{ Namespace, Dimensions, Metrics }] = entry._aws.CloudWatchMetrics as [
          { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] },
        ];
        return {
          namespace: Namespace,
          dimensions: Object.fromEntries(Dimensions[0]!.map((name) => [name, entry[name]])),
          metric: Metrics[0]!.Name,
          value: entry[Metrics[0]!.Name],
        };
      }),
    ).toEqual([
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', source: 'osv:https://osv.example/Hex' },
        metric: 'AdvisorySourceSynced',
        value: 1,
      },
      {
        namespace: 'Muster',
        dimensions: { service: 'muster', source: 'cve:https://cna.example/cves/index.json' },
        metric: 'AdvisorySourceFailed',
        value: 1,
      },
    ]);
  });
});

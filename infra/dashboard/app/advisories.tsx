import { get } from './api.ts';
import type { AdvisoriesAnswer } from './api-types.ts';
import { dateText, plural, safeUrl } from './format.ts';
import { pageOf, pageParam } from './pagination.ts';
import { advisoriesHash, lookupHash, type Params } from './router.ts';
import { SeverityBadge } from './severity.tsx';
import { ErrorMessage, LiveStatus } from './status.tsx';
import { Pager, ScrollBox } from './table.tsx';
import { useLoad } from './use-load.ts';
import { navigate } from './use-route.ts';

/** A reference as a link's text: its host and the end of its path, the whole URL being too long. */
function referenceText(url: string): string {
  try {
    const parsed = new URL(url);
    const last = parsed.pathname.split('/').filter(Boolean).pop();
    if (!last) return parsed.host;
    return `${parsed.host}/…/${last.length > 24 ? `${last.slice(0, 12)}…` : last}`;
  } catch {
    return url;
  }
}

/**
 * The advisories behind the organization's open findings, newest published first, each with its
 * blast radius: how many app-environments and instances it reaches, and where it is suppressed.
 */
export function AdvisoriesPage({ params }: { params: Params }) {
  const { data, error, loading, reload } = useLoad('advisories', (signal) =>
    get<AdvisoriesAnswer>('/v1/advisories', undefined, signal),
  );
  const advisories = data?.advisories ?? [];
  const page = pageOf(advisories, pageParam(params.page));

  return (
    <>
      <h1 tabIndex={-1}>Advisories</h1>
      <p class="lead">The advisories that affect what your apps run, newest first.</p>
      <LiveStatus>
        {loading
          ? 'Loading advisories…'
          : error
            ? ''
            : `${plural(advisories.length, 'advisory', 'advisories')}.`}
      </LiveStatus>
      {error ? <ErrorMessage error={error} retry={reload} /> : null}
      {data && advisories.length === 0 && (
        <p class="empty">No advisory affects what your apps run. Nothing to do here.</p>
      )}
      {advisories.length > 0 && (
        <>
          <ScrollBox label="Advisories table">
            <table class="data advisories">
              <caption>
                Advisories affecting your apps, newest first: {page.first}–{page.last} of {page.total}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Published</th>
                  <th scope="col">Advisory</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Packages</th>
                  <th scope="col">Blast radius</th>
                  <th scope="col">References</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.map((advisory) => (
                  <tr key={advisory.id}>
                    <td class="nowrap">{dateText(advisory.published) || '—'}</td>
                    <th scope="row" class="advisory-cell">
                      <span class="mono">{advisory.id}</span>
                      {advisory.aliases.length > 0 && (
                        <span class="small muted"> ({advisory.aliases.join(', ')})</span>
                      )}
                      <p class="summary">{advisory.summary}</p>
                    </th>
                    <td>
                      <SeverityBadge severity={advisory.severity} />
                      {advisory.score !== null && <span class="small"> {advisory.score.toFixed(1)}</span>}
                    </td>
                    <td class="mono">{advisory.packages.join(', ')}</td>
                    <td>
                      <a href={lookupHash({ advisory: advisory.id })}>
                        <span class="nowrap">{plural(advisory.app_environments, 'app-environment')},</span>{' '}
                        <span class="nowrap">{plural(advisory.instances, 'instance')}</span>
                      </a>
                      {advisory.suppressed_in > 0 && (
                        <p class="small">suppressed in {plural(advisory.suppressed_in, 'app-environment')}</p>
                      )}
                    </td>
                    <td>
                      <ul class="refs">
                        {advisory.references
                          .map((url) => ({ url, href: safeUrl(url) }))
                          .filter((ref): ref is { url: string; href: string } => ref.href !== undefined)
                          .slice(0, 3)
                          .map((ref) => (
                            <li key={ref.url}>
                              <a href={ref.href} rel="noreferrer noopener" target="_blank">
                                {referenceText(ref.url)}
                              </a>
                            </li>
                          ))}
                      </ul>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollBox>
          <Pager
            page={page}
            label="Pages of advisories"
            onPage={(number) => navigate(advisoriesHash(number > 1 ? { page: String(number) } : {}))}
          />
        </>
      )}
    </>
  );
}

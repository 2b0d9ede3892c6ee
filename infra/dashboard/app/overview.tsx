import { useMemo, useRef } from 'preact/hooks';
import { get } from './api.ts';
import type { AppsPage, AppsRow } from './api-types.ts';
import { ClassificationFilters } from './filters.tsx';
import { instancesText, plural, yesNo } from './format.ts';
import {
  appsQuery,
  nextSort,
  type OverviewColumn,
  type OverviewState,
  overviewParams,
  overviewState,
  searchRows,
  sortRows,
} from './overview-model.ts';
import { pageOf } from './pagination.ts';
import { appHash, overviewHash, type Params } from './router.ts';
import { SeverityCountsList } from './severity.tsx';
import { ErrorMessage, LiveStatus } from './status.tsx';
import { Pager, ScrollBox, SortHeader } from './table.tsx';
import { Ago } from './time.tsx';
import { useNow, usePagedLoad } from './use-load.ts';
import { navigate } from './use-route.ts';

/** The list is read a thousand rows at a time, the API's largest page. */
const apiPageSize = 1000;

const columns: { column: OverviewColumn; label: string; note?: string; class?: string }[] = [
  { column: 'app', label: 'App' },
  { column: 'environment', label: 'Environment' },
  { column: 'attention', label: 'Needs attention', class: 'wide' },
  { column: 'internet_facing', label: 'Internet-facing', class: 'narrow' },
  { column: 'handles_pii', label: 'Handles PII', class: 'narrow' },
  { column: 'runtime', label: 'Runtime findings', class: 'counts-column' },
  { column: 'scan', label: 'Scan findings', class: 'counts-column' },
  { column: 'instances', label: 'Instances' },
  { column: 'last_seen', label: 'Last seen', class: 'time-column' },
  { column: 'last_scanned_at', label: 'Last scan', note: 'default branch', class: 'time-column' },
];

function urgencyClass(row: AppsRow): string | undefined {
  const { urgency } = row.attention;
  if (urgency <= 0) return undefined;
  return urgency >= 90 ? 'attention urgent' : urgency >= 60 ? 'attention serious' : 'attention';
}

function Row({ row, now }: { row: AppsRow; now: Date }) {
  return (
    <tr class={urgencyClass(row)}>
      <th scope="row">
        <a href={appHash(row.app, row.environment)}>{row.app}</a>
      </th>
      <td>{row.environment}</td>
      <td class="reasons-cell">
        {row.attention.reasons.length === 0 ? (
          <span class="muted">nothing urgent</span>
        ) : (
          <ul class="reasons">
            {row.attention.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        )}
      </td>
      <td>{yesNo(row.internet_facing)}</td>
      <td>{yesNo(row.handles_pii)}</td>
      <td>
        <SeverityCountsList counts={row.vulnerabilities.runtime} />
      </td>
      <td>
        <SeverityCountsList counts={row.vulnerabilities.scan} />
      </td>
      <td class="nowrap">{instancesText(row.instances)}</td>
      <td class="nowrap">
        <Ago iso={row.last_seen} now={now} />
      </td>
      <td class="nowrap">
        <Ago iso={row.last_scanned_at} now={now} />
      </td>
    </tr>
  );
}

/**
 * Every app-environment of the organization, one row each: what needs attention first (the API's
 * urgency, highlighted, with its reasons), filtered by the API, searched and sorted here.
 */
export function OverviewPage({ params }: { params: Params }) {
  const state = overviewState(params);
  const now = useNow();
  const query = appsQuery(state.filters);
  const key = JSON.stringify(query);
  const { rows, error, loading, reload } = usePagedLoad<AppsRow, AppsPage>(
    key,
    (cursor, signal) => get<AppsPage>('/v1/apps', { ...query, limit: apiPageSize, cursor }, signal),
    (page) => page.apps,
  );

  // Environments seen in any answer, so that choosing one keeps the others on offer.
  const environments = useRef(new Set<string>());
  for (const row of rows) environments.current.add(row.environment);
  if (state.filters.environment !== '') environments.current.add(state.filters.environment);

  const shown = useMemo(
    () => sortRows(searchRows(rows, state.search), state.sort),
    [rows, state.search, state.sort.column, state.sort.direction],
  );
  const page = pageOf(shown, state.page);
  const needing = rows.filter((row) => row.attention.urgency > 0).length;

  const update = (change: Partial<OverviewState>, replace = false) =>
    navigate(overviewHash(overviewParams({ ...state, page: 1, ...change })), { replace });
  const setFilter = (name: keyof OverviewState['filters'], value: string) =>
    update({ filters: { ...state.filters, [name]: value } });
  const filtered = state.search !== '' || Object.values(state.filters).some((value) => value !== '');

  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <form class="filters" aria-label="Filter app-environments" onSubmit={(e) => e.preventDefault()}>
        <div class="field grow">
          <label for="overview-search">Search apps</label>
          <input
            id="overview-search"
            type="search"
            value={state.search}
            placeholder="App name"
            autocomplete="off"
            onInput={(event) => update({ search: event.currentTarget.value }, true)}
          />
        </div>
        <div class="field">
          <label for="overview-environment">Environment</label>
          <select
            id="overview-environment"
            value={state.filters.environment}
            onChange={(event) => setFilter('environment', event.currentTarget.value)}
          >
            <option value="">All environments</option>
            {[...environments.current].sort().map((environment) => (
              <option key={environment} value={environment}>
                {environment}
              </option>
            ))}
          </select>
        </div>
        <ClassificationFilters idPrefix="overview" flags={state.filters} onChange={setFilter} />
        <div class="field actions">
          <button
            type="button"
            class="secondary"
            disabled={!filtered}
            onClick={() => navigate(overviewHash())}
          >
            Clear filters
          </button>
          <button type="button" class="secondary" disabled={loading} onClick={reload}>
            Refresh
          </button>
        </div>
      </form>

      <LiveStatus>
        {loading
          ? `Loading app-environments… ${plural(rows.length, 'row')} so far.`
          : error
            ? ''
            : `${plural(rows.length, 'app-environment')}${needing > 0 ? `, ${needing} needing attention` : ''}${
                state.search !== ''
                  ? `; ${plural(shown.length, 'match', 'matches')} for “${state.search}”`
                  : ''
              }.`}
      </LiveStatus>
      {error ? <ErrorMessage error={error} retry={reload} /> : null}

      {shown.length > 0 ? (
        <>
          <ScrollBox label="App-environments table">
            <table class="data overview">
              <caption>
                App-environments, rows {page.first}–{page.last} of {page.total}
                <span class="caption-note">
                  {state.sort.column === 'attention' && state.sort.direction === 'descending'
                    ? ' — those needing attention first, then the most exposed'
                    : ` — sorted by ${columns.find((c) => c.column === state.sort.column)?.label.toLowerCase()}, ${state.sort.direction}`}
                </span>
              </caption>
              <thead>
                <tr>
                  {columns.map(({ column, label, note, class: className }) => (
                    <SortHeader
                      key={column}
                      column={column}
                      label={
                        note ? (
                          <span>
                            {label} <span class="header-note">({note})</span>
                          </span>
                        ) : (
                          label
                        )
                      }
                      class={className}
                      sortedBy={state.sort.column}
                      direction={state.sort.direction}
                      onSort={(chosen) => update({ sort: nextSort(state.sort, chosen) })}
                    />
                  ))}
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row) => (
                  <Row key={`${row.app}/${row.environment}`} row={row} now={now} />
                ))}
              </tbody>
            </table>
          </ScrollBox>
          <Pager
            page={page}
            label="Pages of app-environments"
            onPage={(number) => navigate(overviewHash(overviewParams({ ...state, page: number })))}
          />
        </>
      ) : (
        !loading &&
        !error && (
          <p class="empty">
            {rows.length === 0
              ? filtered
                ? 'No app-environment matches these filters.'
                : 'No app has reported yet. Add the agent to an Elixir app and its instances show up here.'
              : `No app matches “${state.search}”.`}
          </p>
        )
      )}
    </>
  );
}

import { useState } from 'preact/hooks';
import { get } from './api.ts';
import type { LookupAnswer, LookupMatch } from './api-types.ts';
import { ClassificationFilters } from './filters.tsx';
import { exposureLabel, exposureText, plural, yesNo } from './format.ts';
import {
  csvFileName,
  csvHref,
  type LookupState,
  lookupParams,
  lookupQuery,
  lookupState,
  type VersionKind,
} from './lookup-model.ts';
import { pageOf } from './pagination.ts';
import { appHash, lookupHash, type Params } from './router.ts';
import { SeverityBadge } from './severity.tsx';
import { ErrorMessage, LiveStatus } from './status.tsx';
import { Pager, ScrollBox } from './table.tsx';
import { usePagedLoad } from './use-load.ts';
import { navigate } from './use-route.ts';

const kindLabels: Record<VersionKind, { label: string; hint: string; placeholder: string }> = {
  version: { label: 'Version', hint: 'exactly this version', placeholder: '1.16.1' },
  requirement: {
    label: 'Requirement',
    hint: 'an Elixir requirement: < 1.16.2, ~> 2.0 or == 3.0.1',
    placeholder: '< 1.16.2',
  },
  range: {
    label: 'Range',
    hint: 'a GitHub advisory range: >= 1.3.0, < 1.3.2 || >= 2.0.0, < 2.0.1',
    placeholder: '>= 1.3.0, < 1.3.2',
  },
};

/**
 * The form, kept as typed until it is submitted, when it becomes the page's address. The page gives it
 * a key of its address, so that a new address (Back, a link) starts it afresh.
 */
function LookupForm({ state }: { state: LookupState }) {
  const [draft, setDraft] = useState<LookupState>(state);

  const setMode = (mode: 'package' | 'advisory') =>
    setDraft(
      mode === 'advisory'
        ? { mode, advisory: '', filters: draft.filters, page: 1 }
        : { mode, package: '', kind: 'requirement', versions: '', filters: draft.filters, page: 1 },
    );
  const setFilter = (name: keyof LookupState['filters'], value: string) =>
    setDraft({ ...draft, filters: { ...draft.filters, [name]: value } });
  const kind = draft.mode === 'package' ? kindLabels[draft.kind] : undefined;

  return (
    <form
      class="lookup-form"
      aria-label="Look up"
      onSubmit={(event) => {
        event.preventDefault();
        navigate(lookupHash(lookupParams({ ...draft, page: 1 })));
      }}
    >
      <fieldset class="mode">
        <legend>Look up</legend>
        <label>
          <input
            type="radio"
            name="mode"
            value="package"
            checked={draft.mode === 'package'}
            onChange={() => setMode('package')}
          />{' '}
          a package at some versions
        </label>
        <label>
          <input
            type="radio"
            name="mode"
            value="advisory"
            checked={draft.mode === 'advisory'}
            onChange={() => setMode('advisory')}
          />{' '}
          an advisory’s blast radius
        </label>
      </fieldset>
      <div class="row">
        {draft.mode === 'package' ? (
          <>
            <div class="field">
              <label for="lookup-package">Package</label>
              <input
                id="lookup-package"
                type="text"
                required
                autocomplete="off"
                spellcheck={false}
                placeholder="plug, phoenix, ssh, otp…"
                value={draft.package}
                onInput={(event) => setDraft({ ...draft, package: event.currentTarget.value })}
              />
            </div>
            <div class="field">
              <label for="lookup-kind">Match by</label>
              <select
                id="lookup-kind"
                value={draft.kind}
                onChange={(event) => setDraft({ ...draft, kind: event.currentTarget.value as VersionKind })}
              >
                <option value="version">Exact version</option>
                <option value="requirement">Requirement</option>
                <option value="range">Range</option>
              </select>
            </div>
            <div class="field grow">
              <label for="lookup-versions">{kind?.label}</label>
              <input
                id="lookup-versions"
                type="text"
                required
                autocomplete="off"
                spellcheck={false}
                placeholder={kind?.placeholder}
                aria-describedby="lookup-versions-hint"
                value={draft.versions}
                onInput={(event) => setDraft({ ...draft, versions: event.currentTarget.value })}
              />
              <span id="lookup-versions-hint" class="hint">
                {kind?.hint}
              </span>
            </div>
          </>
        ) : (
          <div class="field grow">
            <label for="lookup-advisory">Advisory id</label>
            <input
              id="lookup-advisory"
              type="text"
              required
              autocomplete="off"
              spellcheck={false}
              placeholder="CVE-2026-54892, GHSA-…, EEF-…"
              aria-describedby="lookup-advisory-hint"
              value={draft.advisory}
              onInput={(event) => setDraft({ ...draft, advisory: event.currentTarget.value })}
            />
            <span id="lookup-advisory-hint" class="hint">
              a CVE, GHSA or EEF id, in any case
            </span>
          </div>
        )}
      </div>
      <div class="row">
        <div class="field">
          <label for="lookup-environment">Environment</label>
          <input
            id="lookup-environment"
            type="text"
            autocomplete="off"
            spellcheck={false}
            placeholder="any"
            value={draft.filters.environment}
            onInput={(event) => setFilter('environment', event.currentTarget.value)}
          />
        </div>
        <ClassificationFilters idPrefix="lookup" flags={draft.filters} onChange={setFilter} />
        <div class="field actions">
          <button type="submit">Look up</button>
        </div>
      </div>
    </form>
  );
}

function Totals({ answer }: { answer: LookupAnswer }) {
  const { totals } = answer;
  return (
    <dl class="facts totals">
      <div>
        <dt>Exposed</dt>
        <dd>
          {plural(totals.app_environments, 'app-environment')}, {plural(totals.instances, 'instance')}
        </dd>
      </div>
      {(['production_internet_facing', 'production', 'other'] as const).map((exposure) => (
        <div key={exposure}>
          <dt>{exposureLabel(exposure)}</dt>
          <dd>
            {plural(totals.by_exposure[exposure].app_environments, 'app-environment')},{' '}
            {plural(totals.by_exposure[exposure].instances, 'instance')}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Advisory({ advisory }: { advisory: NonNullable<LookupAnswer['advisory']> }) {
  return (
    <section class="card advisory" aria-labelledby="advisory-heading">
      <h2 id="advisory-heading">
        <span class="mono">{advisory.id}</span> <SeverityBadge severity={advisory.severity} />
      </h2>
      <p>{advisory.summary}</p>
      {advisory.aliases.length > 0 && <p class="small muted">Also known as {advisory.aliases.join(', ')}</p>}
      <ul class="fixes">
        {advisory.packages.map((fix) => (
          <li key={fix.package}>
            <span class="mono">{fix.package}</span>:{' '}
            {fix.fixed.length > 0 ? `fixed in ${fix.fixed.join(', ')}` : 'no fixed version known'}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Matches({ rows, state }: { rows: LookupMatch[]; state: LookupState }) {
  const page = pageOf(rows, state.page);
  return (
    <>
      <ScrollBox label="Lookup results table">
        <table class="data matches">
          <caption>
            Who runs it, most exposed first: rows {page.first}–{page.last} of {page.total}
          </caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Environment</th>
              <th scope="col">Exposure</th>
              <th scope="col">Internet-facing</th>
              <th scope="col">Handles PII</th>
              <th scope="col">Package</th>
              <th scope="col">Version</th>
              <th scope="col">Instances</th>
              <th scope="col">Other versions</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((match) => (
              <tr key={`${match.app}/${match.environment}/${match.package}/${match.version}`}>
                <th scope="row">
                  <a href={appHash(match.app, match.environment)}>{match.app}</a>
                </th>
                <td>{match.environment}</td>
                <td>{exposureText(match)}</td>
                <td>{yesNo(match.internet_facing)}</td>
                <td>{yesNo(match.handles_pii)}</td>
                <td class="mono">{match.package}</td>
                <td class="mono">{match.version}</td>
                <td>
                  {match.instance_count}
                  <p class="small mono">
                    {match.instances.map((instance) => instance.instance).join(', ')}
                    {match.instance_count > match.instances.length ? ', …' : ''}
                  </p>
                </td>
                <td>{match.drift ? 'Yes: drift' : 'No'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
      <Pager
        page={page}
        label="Pages of results"
        onPage={(number) => navigate(lookupHash(lookupParams({ ...state, page: number })))}
      />
    </>
  );
}

/**
 * Who runs a package at some versions, or who is exposed to an advisory: the API's answer in exposure
 * order, with its totals and a CSV download of the same query.
 */
export function LookupPage({ params }: { params: Params }) {
  const state = lookupState(params);
  const query = lookupQuery(state);
  const key = JSON.stringify(query ?? null);
  const { rows, first, error, loading, reload } = usePagedLoad<LookupMatch, LookupAnswer>(
    key,
    query && ((cursor, signal) => get<LookupAnswer>('/v1/lookup', { ...query, limit: 1000, cursor }, signal)),
    (page) => page.matches,
  );
  const href = csvHref(state);
  const answered = query !== undefined && first !== undefined;

  return (
    <>
      <h1 tabIndex={-1}>Lookup</h1>
      <LookupForm key={JSON.stringify(lookupParams(state))} state={state} />
      <LiveStatus>
        {query === undefined
          ? ''
          : loading
            ? `Looking up… ${plural(rows.length, 'row')} so far.`
            : error || !first
              ? ''
              : `${plural(first.totals.app_environments, 'app-environment')} and ${plural(first.totals.instances, 'instance')} found.`}
      </LiveStatus>
      {error ? <ErrorMessage error={error} retry={reload} /> : null}
      {answered && !error && (
        <section class="results" aria-label="Results">
          {first.advisory && <Advisory advisory={first.advisory} />}
          {first.package_seen === false && (
            <p class="notice">
              No instance has ever reported a package named{' '}
              <span class="mono">{state.mode === 'package' ? state.package : ''}</span>.
              {first.did_you_mean && first.did_you_mean.length > 0 && (
                <>
                  {' '}
                  Did you mean{' '}
                  {first.did_you_mean.map((name, index) => (
                    <span key={name}>
                      {index > 0 ? ', ' : ''}
                      <a href={lookupHash({ ...lookupQuery(state), package: name })}>{name}</a>
                    </span>
                  ))}
                  ?
                </>
              )}
            </p>
          )}
          {first.totals.app_environments > 0 && (
            <div class="results-head">
              <Totals answer={first} />
              {href && (
                <a class="button secondary" href={href} download={csvFileName(state)}>
                  Download CSV
                </a>
              )}
            </div>
          )}
          {rows.length > 0 ? (
            <Matches rows={rows} state={state} />
          ) : (
            !loading && <p class="empty">Nothing live runs it.</p>
          )}
        </section>
      )}
    </>
  );
}

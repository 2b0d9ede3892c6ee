import { useState } from 'preact/hooks';
import { get } from './api.ts';
import type { AppEnvironmentDetail, InstanceDetail } from './api-types.ts';
import { dependencyRows, driftRows, versionSharesText } from './drift.ts';
import { RuntimeFindings, ScanFindings } from './findings.tsx';
import { plural, safeUrl, yesNo } from './format.ts';
import { lookupHash, overviewHash } from './router.ts';
import { SeverityCountsList } from './severity.tsx';
import { ErrorMessage, LiveStatus } from './status.tsx';
import { ScrollBox } from './table.tsx';
import { Ago } from './time.tsx';
import { useLoad, useNow } from './use-load.ts';

const statusLabels: Record<InstanceDetail['status'], string> = {
  running: 'Running',
  stale: 'Stale',
  stopped: 'Stopped',
};

function Instances({ instances, now }: { instances: InstanceDetail[]; now: Date }) {
  if (instances.length === 0) return <p class="empty">No live instance.</p>;
  return (
    <ScrollBox label="Instances table">
      <table class="data instances">
        <caption>Instances: {instances.length}</caption>
        <thead>
          <tr>
            <th scope="col">Instance</th>
            <th scope="col">Status</th>
            <th scope="col">Host</th>
            <th scope="col">Elixir</th>
            <th scope="col">OTP</th>
            <th scope="col">Release</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {instances.map((instance) => (
            <tr key={instance.instance}>
              <th scope="row" class="mono">
                {instance.instance}
              </th>
              <td>
                <span class={`badge instance-${instance.status}`}>{statusLabels[instance.status]}</span>
                {instance.stopped_at && (
                  <span class="small">
                    {' '}
                    <Ago iso={instance.stopped_at} now={now} />
                  </span>
                )}
              </td>
              <td class="mono">{instance.host ?? '—'}</td>
              <td class="mono">{instance.runtime.elixir ?? '—'}</td>
              <td class="mono">{instance.runtime.otp ?? '—'}</td>
              <td class="mono">
                {instance.release ? `${instance.release.name} ${instance.release.version}` : '—'}
              </td>
              <td class="nowrap">
                <Ago iso={instance.last_seen} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function Drift({ detail }: { detail: AppEnvironmentDetail }) {
  const rows = driftRows(detail.drift);
  if (rows.length === 0) return <p class="empty">Every live instance runs the same versions.</p>;
  return (
    <ScrollBox label="Dependency drift table">
      <table class="data drift">
        <caption>Dependencies that differ between instances: {rows.length}</caption>
        <thead>
          <tr>
            <th scope="col">Dependency</th>
            <th scope="col">Versions, and how many instances run each</th>
            <th scope="col">Missing on</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.name}>
              <th scope="row" class="mono">
                {row.name}
              </th>
              <td>
                <ul class="shares" aria-label={versionSharesText(row)}>
                  {row.versions.map((share) => (
                    <li key={share.version}>
                      <span class="mono version">{share.version}</span>{' '}
                      <span>on {plural(share.count, 'instance')}</span>
                      <span class="small muted mono"> {share.instances.join(', ')}</span>
                    </li>
                  ))}
                </ul>
              </td>
              <td class="mono small">{row.missingOn.length > 0 ? row.missingOn.join(', ') : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

function Dependencies({ detail }: { detail: AppEnvironmentDetail }) {
  const rows = dependencyRows(detail.dependencies);
  return (
    <details class="dependencies">
      <summary>All dependencies ({rows.length})</summary>
      <ScrollBox label="Dependencies table">
        <table class="data compact">
          <caption>Dependencies of the live instances: {rows.length}</caption>
          <thead>
            <tr>
              <th scope="col">Dependency</th>
              <th scope="col">Ecosystem</th>
              <th scope="col">Versions</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name}>
                <th scope="row" class="mono">
                  <a href={lookupHash({ package: row.name, version: row.versions[0]?.version })}>
                    {row.name}
                  </a>
                </th>
                <td>{row.ecosystem}</td>
                <td class="mono">{row.drift ? versionSharesText(row) : (row.versions[0]?.version ?? '—')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollBox>
    </details>
  );
}

function Classification({ detail, now }: { detail: AppEnvironmentDetail; now: Date }) {
  const runtime = [
    detail.runtime.elixir.length > 0 && `Elixir ${detail.runtime.elixir.join(', ')}`,
    detail.runtime.otp.length > 0 && `OTP ${detail.runtime.otp.join(', ')}`,
  ].filter(Boolean);
  return (
    <dl class="facts">
      <div>
        <dt>Internet-facing</dt>
        <dd>
          {yesNo(detail.internet_facing)}
          {detail.overrides.internet_facing !== undefined && (
            <span class="small muted"> (set by an admin)</span>
          )}
        </dd>
      </div>
      <div>
        <dt>Handles PII</dt>
        <dd>
          {yesNo(detail.handles_pii)}
          {detail.overrides.handles_pii !== undefined && <span class="small muted"> (set by an admin)</span>}
        </dd>
      </div>
      <div>
        <dt>Runtime</dt>
        <dd class="mono">{runtime.length > 0 ? runtime.join('; ') : '—'}</dd>
      </div>
      <div>
        <dt>Last seen</dt>
        <dd>
          <Ago iso={detail.last_seen} now={now} />
        </dd>
      </div>
      <div>
        <dt>Runtime findings</dt>
        <dd>
          <SeverityCountsList counts={detail.vulnerabilities.runtime} />
        </dd>
      </div>
      <div>
        <dt>Scan findings</dt>
        <dd>
          <SeverityCountsList counts={detail.vulnerabilities.scan} />
        </dd>
      </div>
      {detail.urls.length > 0 && (
        <div class="wide">
          <dt>URLs</dt>
          <dd>
            <ul class="inline">
              {detail.urls.map((url) => {
                const href = safeUrl(url);
                return <li key={url}>{href ? <a href={href}>{url}</a> : <span class="mono">{url}</span>}</li>;
              })}
            </ul>
          </dd>
        </div>
      )}
    </dl>
  );
}

/**
 * One app-environment: its findings (runtime and scans), instances, and the dependencies whose
 * versions differ between instances. Admins suppress findings and lift suppressions.
 */
export function AppEnvironmentPage({
  app,
  environment,
  admin,
}: {
  app: string;
  environment: string;
  admin: boolean;
}) {
  const now = useNow();
  const path = `/v1/apps/${encodeURIComponent(app)}/${encodeURIComponent(environment)}`;
  const {
    data: detail,
    error,
    loading,
    reload,
  } = useLoad(path, (signal) => get<AppEnvironmentDetail>(path, undefined, signal));
  const [message, setMessage] = useState<string | undefined>(undefined);
  const runtime = detail?.findings.filter((finding) => finding.source === 'runtime') ?? [];
  const scan = detail?.findings.filter((finding) => finding.source === 'scan') ?? [];

  return (
    <>
      <p class="breadcrumb">
        <a href={overviewHash()}>Overview</a> <span aria-hidden="true">›</span>
      </p>
      <h1 tabIndex={-1}>
        {app} <span class="environment">{environment}</span>
      </h1>
      <LiveStatus>{loading ? 'Loading…' : (message ?? '')}</LiveStatus>
      {error ? <ErrorMessage error={error} retry={reload} /> : null}
      {detail && (
        <>
          <Classification detail={detail} now={now} />
          <p>
            {/* Same origin, so the session cookie goes with it; a large SBOM redirects to its download. */}
            <a class="button secondary" href={`${path}/sbom`} download={`${app}-${environment}.cdx.json`}>
              Download SBOM (CycloneDX)
            </a>
          </p>
          <section aria-labelledby="instances-heading">
            <h2 id="instances-heading">Instances</h2>
            <Instances instances={detail.instances} now={now} />
          </section>
          <section aria-labelledby="drift-heading">
            <h2 id="drift-heading">Dependency drift</h2>
            <Drift detail={detail} />
            <Dependencies detail={detail} />
          </section>
          <section aria-labelledby="findings-heading">
            <h2 id="findings-heading">Findings from what runs</h2>
            <RuntimeFindings
              app={app}
              environment={environment}
              findings={runtime}
              admin={admin}
              now={now}
              onChanged={(text) => {
                setMessage(text);
                reload();
              }}
            />
          </section>
          <section aria-labelledby="scans-heading">
            <h2 id="scans-heading">Latest scans of the default branch</h2>
            <ScanFindings scans={detail.scans} findings={scan} now={now} />
          </section>
        </>
      )}
    </>
  );
}

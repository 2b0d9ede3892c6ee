import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { errorText } from './api.ts';
import type { FindingView, ScanView } from './api-types.ts';
import { dateText, plural } from './format.ts';
import { lookupHash } from './router.ts';
import { SeverityBadge, SeverityCountsList } from './severity.tsx';
import { analysisText, liftSuppression } from './suppression.ts';
import { SuppressionForm } from './suppression-form.tsx';
import { ScrollBox } from './table.tsx';
import { Ago } from './time.tsx';

const statusLabels: Record<FindingView['status'], string> = {
  open: 'Open',
  stale: 'Stale',
  suppressed: 'Suppressed',
  fixed: 'Fixed',
};

function Status({ finding, now }: { finding: FindingView; now: Date }) {
  const suppression = finding.suppression;
  return (
    <div class="finding-status">
      <span class={`badge status-${finding.status}`}>{statusLabels[finding.status]}</span>
      {finding.status === 'stale' && (
        <p class="small">
          last confirmed <Ago iso={finding.last_confirmed_at} now={now} />
        </p>
      )}
      {finding.status === 'fixed' && finding.fixed_at && (
        <p class="small">
          <Ago iso={finding.fixed_at} now={now} />
        </p>
      )}
      {suppression && (
        <>
          <p class="small">{analysisText(suppression)}</p>
          <p class="small">
            {suppression.active ? 'until' : 'suppression expired'} {dateText(suppression.expires_at)}, by{' '}
            {suppression.author}: <q>{suppression.reason}</q>
          </p>
        </>
      )}
    </div>
  );
}

function VulnerableCode({ finding }: { finding: FindingView }) {
  const code = finding.vulnerable_code;
  const where = [...new Set([...(code?.functions ?? []), ...(code?.modules ?? [])])];
  const conditions = code?.conditions ?? [];
  return (
    <>
      <span class="mono">
        {finding.package ?? '—'}
        {finding.version ? ` ${finding.version}` : ''}
      </span>
      {finding.packages && finding.packages.length > 1 && (
        <p class="small">also {finding.packages.slice(1).join(', ')}</p>
      )}
      {(where.length > 0 || conditions.length > 0) && (
        <details class="more">
          <summary>{conditions.length > 0 ? 'Where and when' : 'Where'}</summary>
          {where.length > 0 && (
            <p class="small">
              in <span class="mono">{where.join(', ')}</span>
            </p>
          )}
          {conditions.map((condition) => (
            <p key={condition} class="small">
              only if: {condition}
            </p>
          ))}
        </details>
      )}
    </>
  );
}

/** The fixed version, and for an OTP application the OTP release that ships it. */
function Fix({ finding }: { finding: FindingView }) {
  const otp = finding.upgrades?.find((upgrade) => upgrade.otp_release)?.otp_release;
  return (
    <>
      <span class="mono">{finding.fixed_in ?? 'no fix known'}</span>
      {otp && <p class="small nowrap">in OTP {otp}</p>}
    </>
  );
}

/**
 * The runtime findings of an app-environment: what its running instances are exposed to, and what
 * fixes each. Admins suppress and lift suppressions here.
 */
export function RuntimeFindings({
  app,
  environment,
  findings,
  admin,
  now,
  onChanged,
}: {
  app: string;
  environment: string;
  findings: FindingView[];
  admin: boolean;
  now: Date;
  onChanged: (message: string) => void;
}) {
  const [suppressing, setSuppressing] = useState<string | undefined>(undefined);
  const [lifting, setLifting] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const columns = admin ? 7 : 6;

  const lift = async (id: string) => {
    setLifting(id);
    setError(undefined);
    try {
      await liftSuppression(app, environment, id);
      onChanged(`The suppression of ${id} in ${app} ${environment} is lifted.`);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setLifting(undefined);
    }
  };

  if (findings.length === 0) return <p class="empty">No advisory matches what this app-environment runs.</p>;
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ScrollBox label="Runtime findings table">
        <table class="data findings">
          <caption>Runtime findings: {plural(findings.length, 'advisory', 'advisories')}</caption>
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Advisory</th>
              <th scope="col">Vulnerable package</th>
              <th scope="col">Fixed in</th>
              <th scope="col">Instances</th>
              <th scope="col">Status</th>
              {admin && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {findings.map((finding) => (
              <Fragment key={finding.id}>
                <tr class={`finding status-row-${finding.status}`}>
                  <td>
                    <SeverityBadge severity={finding.severity} />
                  </td>
                  <th scope="row" class="advisory-cell">
                    <a href={lookupHash({ advisory: finding.id })} class="mono">
                      {finding.id}
                    </a>
                    {finding.aliases.length > 0 && (
                      <span class="small muted"> ({finding.aliases.join(', ')})</span>
                    )}
                    <p class="summary">{finding.summary}</p>
                  </th>
                  <td>
                    <VulnerableCode finding={finding} />
                  </td>
                  <td title={finding.advice}>
                    <Fix finding={finding} />
                  </td>
                  <td>
                    {finding.instance_count ?? finding.instances.length}
                    <ul class="names small mono">
                      {finding.instances.slice(0, 3).map((instance) => (
                        <li key={instance.instance}>{instance.instance}</li>
                      ))}
                      {finding.instances.length > 3 && <li>…</li>}
                    </ul>
                  </td>
                  <td>
                    <Status finding={finding} now={now} />
                  </td>
                  {admin && (
                    <td>
                      {finding.status === 'suppressed' || finding.suppression?.active ? (
                        <button
                          type="button"
                          class="secondary"
                          disabled={lifting === finding.id}
                          aria-label={`Lift suppression of ${finding.id}`}
                          onClick={() => lift(finding.id)}
                        >
                          {lifting === finding.id ? 'Lifting…' : 'Lift suppression'}
                        </button>
                      ) : finding.status !== 'fixed' ? (
                        <button
                          type="button"
                          class="secondary"
                          aria-expanded={suppressing === finding.id}
                          aria-label={`Suppress ${finding.id}`}
                          onClick={() => setSuppressing(suppressing === finding.id ? undefined : finding.id)}
                        >
                          Suppress
                        </button>
                      ) : null}
                    </td>
                  )}
                </tr>
                {admin && suppressing === finding.id && (
                  <tr class="form-row">
                    <td colSpan={columns}>
                      <SuppressionForm
                        app={app}
                        environment={environment}
                        finding={finding.id}
                        onCancel={() => setSuppressing(undefined)}
                        onDone={(message) => {
                          setSuppressing(undefined);
                          onChanged(message);
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </ScrollBox>
    </>
  );
}

/** The default branch's latest scan of each tool: which commit, when, and what it found. */
function LatestScans({ scans, now }: { scans: ScanView[]; now: Date }) {
  if (scans.length === 0) return <p class="empty">No scan of the default branch has been uploaded yet.</p>;
  return (
    <ScrollBox label="Latest scans">
      <table class="data scans">
        <caption>The latest scan of each tool</caption>
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">Commit</th>
            <th scope="col">Ref</th>
            <th scope="col">Received</th>
            <th scope="col">Findings</th>
          </tr>
        </thead>
        <tbody>
          {scans.map((scan) => (
            <tr key={scan.tool}>
              <th scope="row">{scan.tool}</th>
              <td class="mono" title={scan.commit_sha}>
                {scan.commit_sha.slice(0, 12)}
              </td>
              <td class="mono">{scan.ref ?? '—'}</td>
              <td class="nowrap">
                <Ago iso={scan.received_at} now={now} />
              </td>
              <td>
                <SeverityCountsList counts={scan.counts} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollBox>
  );
}

/** The default branch's latest code scans, then their findings, one table per tool. */
export function ScanFindings({
  scans,
  findings,
  now,
}: {
  scans: ScanView[];
  findings: FindingView[];
  now: Date;
}) {
  return (
    <>
      <LatestScans scans={scans} now={now} />
      <ScanFindingTables findings={findings} />
    </>
  );
}

function ScanFindingTables({ findings }: { findings: FindingView[] }) {
  if (findings.length === 0)
    return <p class="empty">No findings in the latest scans of the default branch.</p>;
  const byTool = new Map<string, FindingView[]>();
  for (const finding of findings) {
    const tool = finding.tool ?? 'scan';
    byTool.set(tool, [...(byTool.get(tool) ?? []), finding]);
  }
  return (
    <>
      {[...byTool.entries()].map(([tool, list]) => (
        <ScrollBox key={tool} label={`Findings of ${tool}`}>
          <table class="data scan-findings">
            <caption>
              Latest {tool} scan: {plural(list.length, 'finding')}
            </caption>
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Finding</th>
                <th scope="col">Where</th>
                <th scope="col">Package</th>
                <th scope="col">Fixed in</th>
              </tr>
            </thead>
            <tbody>
              {list.map((finding, index) => (
                <tr key={finding.fingerprint ?? `${finding.id}-${index}`}>
                  <td>
                    <SeverityBadge severity={finding.severity} />
                  </td>
                  <th scope="row">
                    <span class="mono">{finding.id}</span>
                    <p class="summary">{finding.summary}</p>
                  </th>
                  <td class="mono">
                    {finding.file
                      ? `${finding.file}${finding.line !== undefined ? `:${finding.line}` : ''}`
                      : '—'}
                  </td>
                  <td class="mono">
                    {finding.package
                      ? `${finding.package}${finding.version ? ` ${finding.version}` : ''}`
                      : '—'}
                  </td>
                  <td class="mono">{finding.fixed_in ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollBox>
      ))}
    </>
  );
}

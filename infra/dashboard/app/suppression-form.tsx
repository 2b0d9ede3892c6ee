import { useState } from 'preact/hooks';
import { errorText } from './api.ts';
import type { Justification, SuppressionState } from './api-types.ts';
import { dateInputValue, expiryOf } from './format.ts';
import { justificationLabels, stateLabels, suppressFinding } from './suppression.ts';

/** The API accepts an expiry within 365 days. */
const maxDays = 365;
const defaultDays = 30;

const states = Object.entries(stateLabels) as [SuppressionState, string][];
const justifications = Object.entries(justificationLabels) as [Justification, string][];

/**
 * Accepting a finding until a date, with the reason, who decided and what they concluded (the risk is
 * accepted, the app is not affected and why, or the finding is false): all go to the organization's
 * audit trail, and the conclusion to the app's SBOM.
 */
export function SuppressionForm({
  app,
  environment,
  finding,
  onDone,
  onCancel,
}: {
  app: string;
  environment: string;
  finding: string;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const now = new Date();
  const [reason, setReason] = useState('');
  const [author, setAuthor] = useState('');
  const [until, setUntil] = useState(dateInputValue(now, defaultDays));
  const [state, setState] = useState<SuppressionState>('exploitable');
  const [justification, setJustification] = useState<Justification | ''>('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const id = `suppress-${finding.replace(/[^A-Za-z0-9_-]/g, '-')}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const expires = expiryOf(until);
    if (reason.trim() === '') return setError('Give a reason: it is kept in the audit trail.');
    if (author.trim() === '') return setError('Say who decides: your name or email address.');
    if (!expires) return setError('Choose the date the suppression ends.');
    const notAffected = state === 'not_affected';
    if (notAffected && justification === '') return setError('Say why the app is not affected.');
    setBusy(true);
    setError(undefined);
    try {
      await suppressFinding(app, environment, finding, {
        reason: reason.trim(),
        author: author.trim(),
        expires_at: expires,
        state,
        ...(notAffected && justification !== '' ? { justification } : {}),
      });
      onDone(
        `${finding} is suppressed in ${app} ${environment} until ${until}: ${stateLabels[state].toLowerCase()}.`,
      );
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  };

  return (
    <form class="suppress-form" onSubmit={submit} aria-label={`Suppress ${finding}`} noValidate>
      <div class="field grow">
        <label for={`${id}-reason`}>Reason</label>
        <textarea
          id={`${id}-reason`}
          rows={2}
          maxLength={1000}
          required
          value={reason}
          onInput={(event) => setReason(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`${id}-author`}>Decided by</label>
        <input
          id={`${id}-author`}
          type="text"
          maxLength={200}
          required
          autocomplete="email"
          placeholder="name or email"
          value={author}
          onInput={(event) => setAuthor(event.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`${id}-state`}>State</label>
        <select
          id={`${id}-state`}
          value={state}
          onChange={(event) => setState(event.currentTarget.value as SuppressionState)}
        >
          {states.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {state === 'not_affected' && (
        <div class="field">
          <label for={`${id}-justification`}>Justification</label>
          <select
            id={`${id}-justification`}
            required
            value={justification}
            onChange={(event) => setJustification(event.currentTarget.value as Justification | '')}
          >
            <option value="">Choose why…</option>
            {justifications.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for={`${id}-until`}>Until</label>
        <input
          id={`${id}-until`}
          type="date"
          required
          min={dateInputValue(now, 1)}
          max={dateInputValue(now, maxDays - 1)}
          value={until}
          onInput={(event) => setUntil(event.currentTarget.value)}
        />
      </div>
      <div class="field actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Suppressing…' : 'Suppress'}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error && (
        <p class="error wide" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

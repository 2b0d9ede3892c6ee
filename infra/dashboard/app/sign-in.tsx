import { useState } from 'preact/hooks';
import { ApiError, signIn } from './api.ts';
import type { Session } from './api-types.ts';

/** The words for a refused sign-in. */
function signInError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'That key was not accepted: it is unknown or has been revoked.';
    if (error.status === 403)
      return 'That key cannot sign in here: the dashboard takes a read or an admin key, not an ingest or CI key.';
    if (error.status === 429) return 'Too many attempts. Wait a few seconds and try again.';
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Signing in with a read or admin key. The key goes once to POST /v1/session and is then forgotten:
 * the session lives in an HttpOnly cookie the page cannot read.
 */
export function SignIn({ notice, onSignedIn }: { notice?: string; onSignedIn: (session: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (key.trim() === '') {
      setError('Enter a read or admin API key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const session = await signIn(key.trim());
      setKey('');
      onSignedIn(session);
    } catch (failure) {
      setError(signInError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in" tabIndex={-1}>
      <form class="card" onSubmit={submit} aria-describedby="sign-in-help" noValidate>
        <h1>Sign in to Muster</h1>
        <p id="sign-in-help" class="muted">
          Use a read key to look around, or an admin key to suppress findings. The key is exchanged for a
          session and not kept by this page.
        </p>
        {notice && !error && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          autoCapitalize="off"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          required
        />
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

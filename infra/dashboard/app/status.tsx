import type { ComponentChildren } from 'preact';
import { errorText } from './api.ts';

/**
 * What is happening, for everyone: a polite live region for progress and a page's summary, an alert
 * for failures, so that a screen reader hears both without moving focus.
 */
export function LiveStatus({ children }: { children: ComponentChildren }) {
  return (
    <p class="status" role="status" aria-live="polite">
      {children}
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{errorText(error)}</p>
      {retry && (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

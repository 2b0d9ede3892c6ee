import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './router.ts';

/** Listeners of navigations made with replaceState, which fires no hashchange. */
const listeners = new Set<() => void>();

/** The route of the location's hash, following it as it changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', update);
    listeners.add(update);
    // The hash may have changed between the first render and now, when nothing listened yet.
    update();
    return () => {
      window.removeEventListener('hashchange', update);
      listeners.delete(update);
    };
  }, []);
  return route;
}

/**
 * Goes to a hash. `replace` changes the current history entry instead of adding one: for a page's own
 * state (typing in a search box), so that Back leaves the page rather than undoing keystrokes.
 */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  if (hash === location.hash) return;
  if (options.replace) {
    history.replaceState(history.state, '', hash);
    for (const listener of listeners) listener();
  } else {
    location.hash = hash;
  }
}

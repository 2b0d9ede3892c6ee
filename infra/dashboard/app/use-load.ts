import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again, keeping what is shown until the new answer arrives. */
  reload: () => void;
}

const aborted = (error: unknown): boolean => error instanceof DOMException && error.name === 'AbortError';

/**
 * Loads what a page shows, again whenever `key` changes; a load that a newer one replaced is aborted
 * and its answer dropped.
 */
export function useLoad<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  // `key` names everything `load` depends on.
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setLoading(false);
      },
      (failure: unknown) => {
        if (controller.signal.aborted || aborted(failure)) return;
        setError(failure);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The time now, moving on every minute, so that "5 minutes ago" stays true while a page is open. */
export function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 60_000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/**
 * Loads every page of a paged list (`next_cursor` until null), showing each page as it arrives.
 * `rows` grows while `loading`; `error` stops it. Without `loadPage` (nothing asked yet), nothing loads.
 */
export function usePagedLoad<R, P extends { next_cursor: string | null }>(
  key: string,
  loadPage: ((cursor: string | undefined, signal: AbortSignal) => Promise<P>) | undefined,
  rowsOf: (page: P) => R[],
): { rows: R[]; first: P | undefined; error: unknown; loading: boolean; reload: () => void } {
  const [rows, setRows] = useState<R[]>([]);
  const [first, setFirst] = useState<P | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(loadPage !== undefined);
  const [generation, setGeneration] = useState(0);
  const loadedKey = useRef(key);
  // `key` names everything the loaders depend on.
  useEffect(() => {
    if (!loadPage) {
      loadedKey.current = key;
      setRows([]);
      setFirst(undefined);
      setError(undefined);
      setLoading(false);
      return;
    }
    const controller = new AbortController();
    setLoading(true);
    setError(undefined);
    // Other filters: what was shown no longer answers them. A reload keeps it until the new answer.
    if (loadedKey.current !== key) {
      loadedKey.current = key;
      setRows([]);
      setFirst(undefined);
    }
    (async () => {
      let all: R[] = [];
      let cursor: string | undefined;
      let firstPage = true;
      do {
        const page = await loadPage(cursor, controller.signal);
        if (controller.signal.aborted) return;
        all = all.concat(rowsOf(page));
        if (firstPage) setFirst(page);
        firstPage = false;
        setRows(all);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
      setLoading(false);
    })().catch((failure: unknown) => {
      if (controller.signal.aborted || aborted(failure)) return;
      setError(failure);
      setLoading(false);
    });
    return () => controller.abort();
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { rows, first, error, loading, reload };
}

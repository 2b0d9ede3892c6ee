/** A page of rows to show at a time, of a list that may still be growing. */
export interface PageOf<T> {
  rows: T[];
  /** 1-based, clamped to the pages there are. */
  page: number;
  pages: number;
  /** 1-based position of the first row shown, 0 when there is none. */
  first: number;
  last: number;
  total: number;
}

export const pageSize = 100;

export function pageOf<T>(rows: readonly T[], page: number, size = pageSize): PageOf<T> {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const current = Math.min(Math.max(1, Number.isFinite(page) ? Math.floor(page) : 1), pages);
  const start = (current - 1) * size;
  const shown = rows.slice(start, start + size);
  return {
    rows: shown,
    page: current,
    pages,
    first: shown.length === 0 ? 0 : start + 1,
    last: start + shown.length,
    total: rows.length,
  };
}

/** A page number from a hash parameter; 1 when absent or not a number. */
export function pageParam(value: string | undefined): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}

import type { ComponentChildren } from 'preact';
import type { PageOf } from './pagination.ts';

export type Direction = 'ascending' | 'descending';

/**
 * A column header that sorts its table: a button inside the `th`, which carries `aria-sort` while the
 * table is sorted by it.
 */
export function SortHeader<C extends string>({
  column,
  label,
  sortedBy,
  direction,
  onSort,
  class: className,
}: {
  column: C;
  label: ComponentChildren;
  sortedBy: C;
  direction: Direction;
  onSort: (column: C) => void;
  class?: string;
}) {
  const sorted = column === sortedBy;
  return (
    <th scope="col" aria-sort={sorted ? direction : undefined} class={className}>
      <button type="button" class="sort" onClick={() => onSort(column)}>
        {label}
        <span class="sort-mark" aria-hidden="true">
          {sorted ? (direction === 'ascending' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

/**
 * A table that scrolls sideways in its own box when the screen is narrower than it; the box is
 * focusable, so that a keyboard can scroll it too.
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section class="scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

/** Previous and next page, with where the reader is. */
export function Pager<T>({
  page,
  label,
  onPage,
}: {
  page: PageOf<T>;
  label: string;
  onPage: (page: number) => void;
}) {
  if (page.pages <= 1) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="secondary" disabled={page.page <= 1} onClick={() => onPage(page.page - 1)}>
        Previous
      </button>
      <span>
        Page {page.page} of {page.pages}
      </span>
      <button
        type="button"
        class="secondary"
        disabled={page.page >= page.pages}
        onClick={() => onPage(page.page + 1)}
      >
        Next
      </button>
    </nav>
  );
}

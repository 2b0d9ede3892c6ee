/**
 * Markup built only by the `html` tag. Its constructor is private to this module, so that no string
 * from outside can pass for markup: everything else interpolated is escaped.
 */
class Html {
  readonly #markup: string;

  constructor(markup: string) {
    this.#markup = markup;
  }

  toString(): string {
    return this.#markup;
  }
}

export type { Html };

/** What may be interpolated: markup from `html`, text to escape, or nothing (null, undefined, false). */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe in element content and in quoted attribute values. */
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => entities[char]!);

function markupOf(value: HtmlValue): string {
  if (value instanceof Html) return value.toString();
  if (Array.isArray(value)) return value.map(markupOf).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/**
 * A tagged template whose interpolations are escaped unless they were built by `html` themselves (or
 * are arrays of such), so that a forgotten escape cannot happen: html`<td>${name}</td>`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let markup = strings[0]!;
  values.forEach((value, index) => {
    markup += markupOf(value) + strings[index + 1]!;
  });
  return new Html(markup);
}

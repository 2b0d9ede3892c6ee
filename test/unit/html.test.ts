import { describe, expect, it } from 'vitest';
import { type HtmlValue, html } from '../../shared/email/html.ts';

describe('html', () => {
  it('escapes the five characters that can end text or an attribute value', () => {
    expect(String(html`<p title="${`"'&`}">${'<b>&amp;</b>'}</p>`)).toBe(
      '<p title="&quot;&#39;&amp;">&lt;b&gt;&amp;amp;&lt;/b&gt;</p>',
    );
  });

  it('keeps what html built as markup, alone or in arrays, and escapes strings within those arrays', () => {
    const items = ['<i>', html`<b>${'&'}</b>`, ['<u>', html`<br>`]];
    expect(String(html`<p>${html`<em>${'x<'}</em>`}${items}</p>`)).toBe(
      '<p><em>x&lt;</em>&lt;i&gt;<b>&amp;</b>&lt;u&gt;<br></p>',
    );
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(String(html`<p>${null}${undefined}${false}${0}${42}</p>`)).toBe('<p>042</p>');
  });

  it('escapes anything that only claims to be markup', () => {
    const impostor = { toString: () => '<script>alert(1)</script>' } as unknown as HtmlValue;
    expect(String(html`<p>${impostor}</p>`)).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
  });

  it('keeps an attribute closed whatever is interpolated into it', () => {
    expect(String(html`<a title="${'x" onmouseover="alert(1)'}">t</a>`)).toBe(
      '<a title="x&quot; onmouseover=&quot;alert(1)">t</a>',
    );
  });
});

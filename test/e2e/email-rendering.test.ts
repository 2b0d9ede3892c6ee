import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAlertEmail } from '../../shared/email/alert-email.ts';
import { renderWeeklySummaryEmail } from '../../shared/email/weekly-summary-email.ts';
import { alertEvent, hostile, weeklySummaryOf } from '../support/email-fleet.ts';
import { root } from '../support/stack-process.ts';

/**
 * The emails as a browser renders them, in light and dark mode: what a reader sees of hostile names
 * is their text, and nothing in them runs, with scripts allowed (as a careless webmail might) or not.
 * Screenshots land in test-output/emails/ for a look at the layout.
 */

// The page's globals as the callbacks run in the browser see them: the project compiles without the DOM library.
declare const window: { __injected?: unknown };
declare const getComputedStyle: (element: unknown) => Record<'color' | 'backgroundColor', string>;

const chromiumPath = '/usr/bin/chromium';
const screenshots = join(root, 'test-output', 'emails');
const links = {
  dashboardUrl: 'https://muster.example.com/',
  unsubscribeUrl: 'https://api.muster.example.com/v1/unsubscribe?token=t0k3n',
};

/** Hostile strings as the reader should see them: whole, as text. */
const summaryText = hostile.summary.replace(/\s+/g, ' ');

/** Each email, and the hostile strings it shows (the weekly summary names no instances). */
const emails = {
  'weekly-summary': {
    html: renderWeeklySummaryEmail(weeklySummaryOf(hostile), links).html,
    texts: [hostile.app, hostile.package, summaryText],
  },
  alert: {
    html: renderAlertEmail(
      'acme',
      [
        alertEvent(hostile),
        alertEvent(hostile, {
          vulnerability: 'CVE-2026-2002',
          aliases: [],
          severity: 'high',
          summary: hostile.summary,
          package: 'cowlib',
          packages: ['cowlib'],
          vulnerable_code: { modules: [], functions: [], files: [], conditions: [] },
          instances: [
            {
              instance: hostile.instance,
              package: 'cowlib',
              version: '2.13.0',
              started: true,
              basis: 'application',
              fixed_in: null,
            },
          ],
          instance_count: 1,
          fixed_in: null,
          advice: 'no fixed version of cowlib is known',
        }),
      ],
      links,
    ).html,
    texts: [hostile.app, hostile.instance, hostile.package, summaryText, hostile.url],
  },
};

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`these tests need Chromium at ${chromiumPath} (apt-get install chromium)`);
  }
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

interface Rendered {
  page: Page;
  dialogs: string[];
  close: () => Promise<void>;
}

async function open(
  html: string,
  colorScheme: 'light' | 'dark',
  javaScriptEnabled: boolean,
): Promise<Rendered> {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 720, height: 900 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.emulateMedia({ colorScheme });
  await page.setContent(html, { waitUntil: 'load' });
  return { page, dialogs, close: () => context.close() };
}

/** Relative luminance of a CSS rgb() colour, from 0 (black) to 1 (white). */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => {
    const channel = Number(part) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: string, b: string): number => {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
};

describe.each(Object.entries(emails))('the %s email', (name, { html, texts }) => {
  describe.each(['light', 'dark'] as const)('in %s mode', (colorScheme) => {
    it.each([
      { javaScript: 'disabled', javaScriptEnabled: false },
      { javaScript: 'enabled', javaScriptEnabled: true },
    ])(
      'shows hostile names as text and runs none of them, with JavaScript $javaScript',
      async ({ javaScriptEnabled }) => {
        const { page, dialogs, close } = await open(html, colorScheme, javaScriptEnabled);
        try {
          for (const text of texts) {
            expect(await page.getByText(text).filter({ visible: true }).count(), text).toBeGreaterThan(0);
          }
          expect(await page.locator('script').count()).toBe(0);
          expect(await page.locator('img, iframe, object, embed, form, [onerror], [onload]').count()).toBe(0);
          const hrefs = await page
            .locator('a')
            .evaluateAll((anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
          expect(new Set(hrefs)).toEqual(new Set([links.dashboardUrl, links.unsubscribeUrl]));
          if (javaScriptEnabled) {
            expect(await page.evaluate(() => window.__injected)).toBeUndefined();
          }
          expect(dialogs).toEqual([]);
          await page.screenshot({
            path: join(screenshots, `${name}-${colorScheme}-${javaScriptEnabled ? 'js' : 'no-js'}.png`),
            fullPage: true,
          });
        } finally {
          await close();
        }
      },
    );

    it('reads well: body text contrasts with its background, and the card follows the colour scheme', async () => {
      const { page, close } = await open(html, colorScheme, false);
      try {
        const styleOf = (selector: string, property: 'color' | 'backgroundColor') =>
          page
            .locator(selector)
            .first()
            .evaluate((element, name) => getComputedStyle(element)[name], property);
        const colors = {
          card: await styleOf('.em-card', 'backgroundColor'),
          text: await styleOf('.em-card .em-text', 'color'),
          muted: await styleOf('.em-card .em-muted', 'color'),
        };
        expect(luminance(colors.card) > 0.5).toBe(colorScheme === 'light');
        expect(contrast(colors.text, colors.card)).toBeGreaterThanOrEqual(7);
        expect(contrast(colors.muted, colors.card)).toBeGreaterThanOrEqual(4.5);
        const width = await page.locator('.em-card').evaluate((card) => card.getBoundingClientRect().width);
        expect(width).toBeLessThanOrEqual(640);
      } finally {
        await close();
      }
    });
  });
});

import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

const chromiumPath = '/usr/bin/chromium';

export interface DashboardFigures {
  app_environments: number;
  runs: number;
  /** From navigation to the overview's table of every app-environment rendered and ready for input. */
  overview_p50_ms: number;
  overview_max_ms: number;
  /** From a click on a column's header to the table sorted by it, across every row. */
  sort_p50_ms: number;
}

/** The page's document as functions that run in the page see it: this project's types have no DOM. */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
type PageGlobal = { document: { querySelector(selector: string): PageElement | null } };

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * The overview as a browser shows it, in Debian's Chromium against the local gateway: signed in with a
 * read key, the page is opened anew each run (nothing cached but what the site lets a browser keep)
 * and timed by the page's own clock, from navigation until the status says how many app-environments
 * there are (every page of the list read) and the first row is in the table.
 */
export async function measureDashboardOverview(
  url: string,
  readKey: string,
  runs: number,
): Promise<DashboardFigures> {
  if (!existsSync(chromiumPath)) throw new Error(`the dashboard benchmark needs Chromium at ${chromiumPath}`);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const signIn = await context.request.post(`${url}/v1/session`, { data: { key: readKey } });
    if (signIn.status() !== 201) throw new Error(`sign-in answered ${signIn.status()}`);
    const page = await context.newPage();
    const overview: number[] = [];
    const sorts: number[] = [];
    let count = 0;
    for (let run = 0; run < runs; run++) {
      await page.goto('about:blank');
      await page.goto(`${url}/#/`);
      await page.waitForFunction(
        () => {
          const { document } = globalThis as unknown as PageGlobal;
          const status = document.querySelector('[role=status]')?.textContent ?? '';
          return (
            /^[\d,]+ app-environments?\b/.test(status) &&
            document.querySelector('table.overview tbody tr') !== null
          );
        },
        undefined,
        { timeout: 60_000, polling: 'raf' },
      );
      overview.push(await page.evaluate(() => performance.now()));
      const status = (await page.textContent('[role=status]')) ?? '';
      count = Number(/^([\d,]+)/.exec(status)![1]!.replaceAll(',', ''));

      const appHeader = 'table.overview thead th:first-child';
      const started = await page.evaluate(() => performance.now());
      await page.click(`${appHeader} button`);
      await page.waitForFunction(
        (selector) =>
          (globalThis as unknown as PageGlobal).document
            .querySelector(selector)
            ?.getAttribute('aria-sort') === 'ascending',
        appHeader,
        { timeout: 30_000, polling: 'raf' },
      );
      sorts.push((await page.evaluate(() => performance.now())) - started);
    }
    return {
      app_environments: count,
      runs,
      overview_p50_ms: Math.round(median(overview)),
      overview_max_ms: Math.round(Math.max(...overview)),
      sort_p50_ms: Math.round(median(sorts)),
    };
  } finally {
    await browser.close();
  }
}

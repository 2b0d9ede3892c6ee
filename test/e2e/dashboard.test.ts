import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack.ts';
import { type OtpRelease, otpReleases } from '../../infra/local/otp-releases.ts';
import type { Heartbeat } from '../../shared/heartbeat.ts';
import { dashboardSecurityHeaders } from '../../shared/resources.ts';
import { eventually } from '../support/eventually.ts';
import { haveSharedAdvisories, sharedAdvisories } from '../support/shared-advisories.ts';
import { root } from '../support/stack-process.ts';

/**
 * The dashboard in a real browser against a local stack: a fleet loaded through the real ingest path,
 * the real advisories and a scan upload; signing in and out with read and admin keys, the overview's
 * order, filters, search and sort, an app-environment with its drift and findings, suppressing a
 * finding as an admin, a lookup and its CSV, the advisories; hostile names shown as text; the session
 * cookie's flags and its CSRF check; no serious accessibility violation on any page. Screenshots land
 * in test-output/dashboard/, and the overview's in docs/dashboard-overview.png.
 */

const chromiumPath = '/usr/bin/chromium';
const screenshots = join(root, 'test-output', 'dashboard');
const docsScreenshot = join(root, 'docs', 'dashboard-overview.png');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
const org = 'dash-e2e';
const hostileInstance = '<img src=x onerror="window.__xss=1">';
const hostileHost = '"><script>window.__xss=2</script>';

let stack: LocalStack;
let api: string;
const keys = { read: '', admin: '', ingest: '', ci: '' };
let browser: Browser;

const [, otp26, otp27] = otpReleases as [OtpRelease, OtpRelease, OtpRelease];

const phoenixDeps = {
  phoenix: '1.7.14',
  phoenix_html: '4.1.1',
  phoenix_pubsub: '2.1.3',
  plug: '1.16.1',
  plug_crypto: '2.1.0',
  plug_cowboy: '2.7.1',
  cowboy: '2.12.0',
  cowlib: '2.13.0',
  ranch: '1.8.0',
  ecto: '3.11.2',
  postgrex: '0.18.0',
  jason: '1.4.4',
  telemetry: '1.2.1',
};

type Beat = Omit<Heartbeat, 'sent_at'>;

function beat(
  app: string,
  environment: string,
  instance: string,
  flags: { internet_facing: boolean; handles_pii: boolean; urls?: string[] },
  deps: Record<string, string>,
  otp: OtpRelease | null = otp27,
  host = instance.split('@')[1] ?? instance,
): Beat {
  return {
    app,
    environment,
    instance,
    host,
    internet_facing: flags.internet_facing,
    handles_pii: flags.handles_pii,
    urls: flags.urls ?? [],
    ...(otp
      ? { runtime: { elixir: otp === otp27 ? '1.17.3' : '1.16.3', otp: otp.otp, erts: otp.erts } }
      : {}),
    release: { name: app, version: '2.3.0' },
    deps: Object.entries({ ...(otp?.apps ?? {}), ...deps }).map(([name, version]) => ({ name, version })),
  };
}

const checkoutFlags = { internet_facing: true, handles_pii: true, urls: ['https://checkout.example.com'] };
const catalogFlags = { internet_facing: true, handles_pii: false, urls: ['https://catalog.example.com'] };
const ledgerFlags = { internet_facing: false, handles_pii: true };
const internal = { internet_facing: false, handles_pii: false };

/** Several apps and environments, vulnerable plug and phoenix, drift in checkout, a hostile instance name. */
const fleet: Beat[] = [
  beat('checkout', 'prod', 'checkout@web-1', checkoutFlags, phoenixDeps),
  beat('checkout', 'prod', 'checkout@web-2', checkoutFlags, phoenixDeps),
  // A deploy that did not reach every instance: plug drifts, and oban is only on two of three.
  beat('checkout', 'prod', 'checkout@web-3', checkoutFlags, {
    ...phoenixDeps,
    plug: '1.14.0',
    oban: '2.17.12',
  }),
  beat('checkout', 'staging', 'checkout@stage-1', checkoutFlags, {
    ...phoenixDeps,
    plug: '1.16.2',
    oban: '2.17.12',
  }),
  beat(
    'catalog',
    'prod',
    'catalog@web-1',
    catalogFlags,
    { ...phoenixDeps, plug: '1.18.0', phoenix: '1.7.10' },
    otp26,
  ),
  beat(
    'catalog',
    'prod',
    'catalog@web-2',
    catalogFlags,
    { ...phoenixDeps, plug: '1.18.0', phoenix: '1.7.10' },
    otp26,
  ),
  beat('catalog', 'staging', 'catalog@stage-1', catalogFlags, { ...phoenixDeps, plug: '1.18.0' }, otp26),
  beat(
    'ledger',
    'prod',
    hostileInstance,
    ledgerFlags,
    { samly: '1.3.0', jason: '1.4.4' },
    otp27,
    hostileHost,
  ),
  beat('reports', 'staging', 'reports@worker-1', internal, { jason: '1.4.4', telemetry: '1.2.1' }, null),
];

async function post(path: string, key: string, body: unknown): Promise<void> {
  const response = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202)
    throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
}

interface AppsRow {
  app: string;
  environment: string;
  internet_facing: boolean;
  handles_pii: boolean;
  last_scanned_at: string | null;
  vulnerabilities: { runtime: Record<string, number>; scan: Record<string, number> };
  attention: { urgency: number; reasons: string[] };
}

async function apiGet<T>(path: string, key = keys.read): Promise<T> {
  const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const started = Date.now();

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`these tests need Chromium at ${chromiumPath}`);
  if (!haveSharedAdvisories)
    throw new Error(`these tests need the advisories in ${sharedAdvisories.pathname}`);
  mkdirSync(screenshots, { recursive: true });
  // The local stack points this process's AWS clients at its own servers: the functions' modules are
  // imported after it starts.
  const { startLocalStack } = await import('../../infra/local/local-stack.ts');
  stack = await startLocalStack({
    port: 0,
    pollQueues: true,
    advisorySources: '',
    advisorySyncSeconds: 3600,
  });
  api = stack.endpoints.api;
  const { createApiKey } = await import('../../functions/stores/api-key-store.ts');
  for (const scope of ['read', 'admin', 'ingest', 'ci'] as const)
    keys[scope] = (await createApiKey(org, scope)).key;

  const sentAt = new Date().toISOString();
  for (const heartbeat of fleet) await post('/v1/heartbeat', keys.ingest, { ...heartbeat, sent_at: sentAt });
  const { readAdvisorySource } = await import('../../functions/lib/advisory-files.ts');
  const { importAdvisories } = await import('../../functions/use-cases/import-advisories.ts');
  const imported = await importAdvisories(await readAdvisorySource(fileURLToPath(sharedAdvisories)));
  expect(imported.errors).toEqual([]);
  const scans = new URL('../scans/', sharedAdvisories);
  await post('/v1/scans', keys.ci, {
    app: 'checkout',
    commit_sha: '4f1c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e',
    ref: 'refs/heads/main',
    tool: 'sobelow',
    report: JSON.parse(readFileSync(new URL('sobelow/insecure-phoenix.sarif', scans), 'utf8')),
  });
  // A clean scan: reports has nothing that needs attention.
  await post('/v1/scans', keys.ci, {
    app: 'reports',
    commit_sha: '9b0e7c1a2d3f4e5a6b7c8d9e0f1a2b3c4d5e6f7a',
    ref: 'refs/heads/main',
    tool: 'mix_audit',
    report: JSON.parse(readFileSync(new URL('mix_audit/hexpm.json', scans), 'utf8')),
  });
  await stack.drained(60_000);
  await eventually(async () => {
    const { apps } = await apiGet<{ apps: AppsRow[] }>('/v1/apps');
    expect(apps).toHaveLength(6);
    const checkout = apps.find((row) => row.app === 'checkout' && row.environment === 'prod');
    expect(checkout?.vulnerabilities.runtime.high).toBeGreaterThan(0);
    expect(checkout?.last_scanned_at).not.toBeNull();
    expect(apps.find((row) => row.app === 'ledger')?.vulnerabilities.runtime.critical).toBeGreaterThan(0);
    expect(apps.find((row) => row.app === 'reports')?.attention.urgency).toBe(0);
  }, 60_000);
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  console.log(`dashboard e2e: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
});

interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and CSP violations seen by the page. */
  problems: string[];
}

async function openDashboard(
  options: { width?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<Session> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every refused request (401 before signing in, the refused keys, the forged
    // change); anything else, a CSP violation above all, is a problem.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await page.goto(`${api}/`);
  return { context, page, problems };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The overview's rows as `app/environment`, once every page of the list has arrived. */
async function overviewRows(page: Page): Promise<string[]> {
  await page.locator('.status', { hasText: /^\d+ app-environments?[,.]/ }).waitFor();
  const apps = await page.locator('table.overview tbody tr > th').allInnerTexts();
  const environments = await page.locator('table.overview tbody tr > td:nth-child(2)').allInnerTexts();
  return apps.map((app, index) => `${app}/${environments[index]}`);
}

/** Waits until the overview shows these rows (in any order unless `ordered`), as a change re-renders it. */
async function expectRows(page: Page, expected: string[], ordered = false): Promise<void> {
  const arrange = (rows: string[]) => (ordered ? rows : [...rows].sort());
  await expect.poll(async () => arrange(await overviewRows(page))).toEqual(arrange(expected));
}

/** axe-core on the page as it is: no violation that is serious or critical. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })))`,
  )) as { id: string; impact: string; help: string; nodes: string[] }[];
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious, `${name}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

/** What a reader sees of an element, as `innerText` gives it. */
const textOf = async (locator: Locator): Promise<string> => (await locator.allInnerTexts()).join('\n');

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

describe('the dashboard', () => {
  let read: Session;

  it('serves the page and its hashed assets with the security headers CloudFront sets in AWS', async () => {
    const page = await fetch(`${api}/`);
    expect(page.status).toBe(200);
    for (const [name, value] of Object.entries(dashboardSecurityHeaders))
      expect(page.headers.get(name)).toBe(value);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/(?:app|style)-[0-9a-f]{12}\.(?:js|css))"/g)].map(
      (m) => m[1]!,
    );
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      const response = await fetch(`${api}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-security-policy')).toBe(
        dashboardSecurityHeaders['content-security-policy'],
      );
    }
    expect(html).not.toMatch(/<script>|<style>|style="/);
    expect((await fetch(`${api}/no-such-file.js`)).status).toBe(404);
  });

  it('refuses a wrong key in words, and signs in with a read key', async () => {
    read = await openDashboard();
    const { page, context } = read;
    await page.getByRole('heading', { name: 'Sign in to Muster' }).waitFor();
    const field = page.getByLabel('API key');
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.getAttribute('autocomplete')).toBe('off');
    await expectAccessible(page, 'sign-in');
    await shot(page, 'sign-in');

    await field.fill('mk_00000000_notARealKeyAtAllnotARealKeyAtAll0000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => textOf(page.getByRole('alert')))
      .toMatch(/not accepted: it is unknown or has been revoked/);
    await field.fill(keys.ingest);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => textOf(page.getByRole('alert'))).toMatch(/takes a read or an admin key/);
    await expectAccessible(page, 'sign-in with an error');

    await signIn(page, keys.read);
    expect(await textOf(page.locator('.who'))).toMatch(new RegExp(`${org}\\s+Read only`));
    // The key is in no URL and no storage: only the HttpOnly cookie stands for the session.
    expect(page.url()).not.toContain(keys.read);
    expect(await page.evaluate('JSON.stringify([localStorage, sessionStorage])')).toBe('[{},{}]');
    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'muster_session', httpOnly: true, sameSite: 'Strict', path: '/' }),
    ]);
  });

  it('shows the rows that need attention first, highlighted, with their reasons', async () => {
    const { page } = read;
    const { apps } = await apiGet<{ apps: AppsRow[] }>('/v1/apps?limit=1000');
    const expected = [...apps].sort((a, b) => b.attention.urgency - a.attention.urgency);
    expect(await overviewRows(page)).toEqual(expected.map((row) => `${row.app}/${row.environment}`));
    const rows = page.locator('table.overview tbody tr');
    for (const [index, row] of expected.entries()) {
      const element = rows.nth(index);
      const highlighted = (await element.getAttribute('class'))?.split(' ').includes('attention') ?? false;
      expect(highlighted, `${row.app}/${row.environment}`).toBe(row.attention.urgency > 0);
      for (const reason of row.attention.reasons) expect(await textOf(element)).toContain(reason);
    }
    // Internet-facing with critical or high findings comes first; the clean, scanned app last.
    expect(expected[0]!.attention.reasons[0]).toMatch(/^internet-facing/);
    expect(expected.at(-1)).toMatchObject({ app: 'reports', attention: { urgency: 0 } });
    const checkout = rows.filter({ has: page.locator('th', { hasText: /^checkout$/ }) }).first();
    expect(await textOf(checkout)).toMatch(/high/);
    expect(await textOf(page.locator('table.overview thead'))).toMatch(
      /Runtime findings[\s\S]*Scan findings/,
    );
    expect(await textOf(page.locator('th[aria-sort]'))).toContain('Needs attention');
    expect(await page.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    expect(await page.locator('table.overview caption').count()).toBe(1);
    await expectAccessible(page, 'overview');
    await shot(page, 'overview');
    copyFileSync(join(screenshots, 'overview.png'), docsScreenshot);
  });

  it('filters by environment and by a flag through the API, searches and sorts here, all in the hash', async () => {
    const { page } = read;
    await page.getByLabel('Environment', { exact: true }).selectOption('staging');
    await expect.poll(() => page.url()).toContain('environment=staging');
    await expectRows(page, ['catalog/staging', 'checkout/staging', 'reports/staging']);

    await page.getByLabel('Internet-facing', { exact: true }).selectOption('true');
    await expect.poll(() => page.url()).toContain('internet_facing=true');
    await expectRows(page, ['catalog/staging', 'checkout/staging']);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(async () => (await overviewRows(page)).length).toBe(6);
    await page.getByLabel('Handles PII', { exact: true }).selectOption('true');
    await expectRows(page, ['checkout/prod', 'checkout/staging', 'ledger/prod']);
    await page.getByRole('button', { name: 'Clear filters' }).click();

    await page.getByLabel('Search apps', { exact: true }).fill('CAT');
    await expect.poll(() => page.url()).toContain('q=CAT');
    await expectRows(page, ['catalog/prod', 'catalog/staging']);
    await page.getByLabel('Search apps', { exact: true }).fill('');

    const header = page.getByRole('columnheader', { name: /^App/ });
    await page.getByRole('button', { name: /^App/ }).click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('ascending');
    // By app, then environment; the attention order only breaks ties.
    const byApp = [
      'catalog/prod',
      'catalog/staging',
      'checkout/prod',
      'checkout/staging',
      'ledger/prod',
      'reports/staging',
    ];
    await expectRows(page, byApp, true);
    await page.getByRole('button', { name: /^App/ }).click();
    await expect.poll(() => header.getAttribute('aria-sort')).toBe('descending');
    await expectRows(page, [...byApp].reverse(), true);
    expect(page.url()).toMatch(/sort=app&dir=descending/);
    await page.getByRole('button', { name: /^Last scan \(default branch\)/ }).click();
    await expect.poll(() => page.url()).toMatch(/sort=last_scanned_at&dir=ascending/);
    // Never scanned sorts as the oldest.
    await expect
      .poll(async () => (await overviewRows(page)).slice(0, 3).sort())
      .toEqual(['catalog/prod', 'catalog/staging', 'ledger/prod']);

    // The address holds the view: a reload shows the same.
    await page.goto(`${api}/#/?environment=prod&sort=app&dir=ascending`);
    await page.reload();
    await expectRows(page, ['catalog/prod', 'checkout/prod', 'ledger/prod'], true);
    expect(await page.getByRole('columnheader', { name: /^App/ }).getAttribute('aria-sort')).toBe(
      'ascending',
    );
    expect(await page.getByLabel('Environment', { exact: true }).inputValue()).toBe('prod');
    await page.goto(`${api}/#/`);
  });

  it('shows an app-environment: instances, drift, findings with their fixes, scans; no controls for a read key', async () => {
    const { page } = read;
    await overviewRows(page);
    await page
      .locator('table.overview tbody tr', { has: page.locator('td:nth-child(2)', { hasText: /^prod$/ }) })
      .getByRole('link', { name: 'checkout', exact: true })
      .click();
    await page.getByRole('heading', { name: /checkout\s+prod/ }).waitFor();
    expect(page.url()).toContain('#/apps/checkout/prod');
    const instances = page.locator('table.instances');
    await instances.waitFor();
    expect(await instances.locator('tbody tr').count()).toBe(3);
    expect(await textOf(instances)).toContain('checkout@web-3');
    expect(await textOf(instances)).toContain('27.1.2');

    const drift = page.locator('table.drift');
    const plug = drift.locator('tbody tr', { has: page.locator('th', { hasText: /^plug$/ }) });
    expect(await textOf(plug)).toMatch(/1\.16\.1\s+on 2 instances[\s\S]*1\.14\.0\s+on 1 instance/);
    const oban = drift.locator('tbody tr', { has: page.locator('th', { hasText: /^oban$/ }) });
    expect(await textOf(oban)).toContain('checkout@web-1, checkout@web-2');

    const findings = page.locator('table.findings');
    const cve = findings.locator('tbody tr', { hasText: 'CVE-2026-54892' });
    expect(await textOf(cve)).toMatch(/High[\s\S]*plug 1\.16\.1[\s\S]*1\.16\.4[\s\S]*Open/);
    expect(await textOf(page.locator('table.scans'))).toMatch(
      /sobelow\s+4f1c2d9e8b7a\s+refs\/heads\/main\s+just now[\s\S]*high/,
    );
    expect(await textOf(page.locator('table.scan-findings'))).toMatch(/Latest sobelow scan: \d+ findings/);
    expect(await page.getByRole('button', { name: /Suppress/ }).count()).toBe(0);
    expect(await textOf(findings.locator('thead'))).not.toContain('Action');

    // What it runs, as CycloneDX, with the session's cookie: plug's drift is there too.
    const sbomLink = page.getByRole('link', { name: 'Download SBOM (CycloneDX)' });
    expect(await sbomLink.getAttribute('href')).toBe('/v1/apps/checkout/prod/sbom');
    const [download] = await Promise.all([page.waitForEvent('download'), sbomLink.click()]);
    expect(download.suggestedFilename()).toBe('checkout-prod.cdx.json');
    const sbom = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    expect(sbom.components.map((part: { purl: string }) => part.purl)).toEqual(
      expect.arrayContaining(['pkg:hex/plug@1.16.1', 'pkg:hex/plug@1.14.0']),
    );
    expect(sbom.vulnerabilities.map((entry: { id: string }) => entry.id)).toContain('CVE-2026-54892');
    await expectAccessible(page, 'app-environment');
    await shot(page, 'app-environment');
  });

  it('shows hostile names as text and runs none of them', async () => {
    const { page } = read;
    await page.goto(`${api}/#/apps/ledger/prod`);
    const instances = page.locator('table.instances');
    await instances.waitFor();
    expect(await textOf(instances.locator('tbody th'))).toBe(hostileInstance);
    expect(await textOf(instances)).toContain(hostileHost);
    expect(await page.locator('img, script:not([src])').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await page.goto(`${api}/#/lookup?package=samly&requirement=%3C+1.4.0`);
    await page.locator('table.matches').waitFor();
    expect(await textOf(page.locator('table.matches'))).toContain(hostileInstance);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  });

  it('looks up a package, in exposure order with totals, and downloads the same answer as CSV', async () => {
    const { page } = read;
    await page.getByRole('link', { name: 'Lookup' }).click();
    await page.getByLabel('Package', { exact: true }).fill('plug');
    await page.getByLabel('Match by', { exact: true }).selectOption('requirement');
    await page.getByLabel('Requirement', { exact: true }).fill('< 1.18.3');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.url()).toContain('#/lookup?package=plug&requirement=%3C+1.18.3');
    const table = page.locator('table.matches');
    await table.waitFor();
    const answer = await apiGet<{
      matches: { app: string; environment: string; version: string; instance_count: number }[];
      totals: { app_environments: number; instances: number };
    }>('/v1/lookup?package=plug&requirement=%3C+1.18.3');
    const apps = await table.locator('tbody th').allInnerTexts();
    const versions = await table.locator('tbody td:nth-child(7)').allInnerTexts();
    expect(apps.map((app, index) => `${app} ${versions[index]}`)).toEqual(
      answer.matches.map((match) => `${match.app} ${match.version}`),
    );
    // checkout/prod runs two versions of plug: one row each, both marked as drift.
    expect(
      answer.matches.filter((match) => match.app === 'checkout' && match.environment === 'prod'),
    ).toHaveLength(2);
    expect(await textOf(page.locator('.totals'))).toContain(
      `${answer.totals.app_environments} app-environments, ${answer.totals.instances} instances`,
    );

    const link = page.getByRole('link', { name: 'Download CSV' });
    expect(await link.getAttribute('href')).toBe('/v1/lookup?package=plug&requirement=%3C+1.18.3&format=csv');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toBe(
      'app,environment,package,version,instance_count,instances,drift,internet_facing,handles_pii,urls',
    );
    expect(csv.slice(1).map((line) => line.split(',').slice(0, 5).join(','))).toEqual(
      answer.matches.map((m) => `${m.app},${m.environment},plug,${m.version},${m.instance_count}`),
    );

    await page.getByLabel('Handles PII', { exact: true }).selectOption('false');
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.url()).toContain('handles_pii=false');
    await expect.poll(() => table.locator('tbody th').allInnerTexts()).toEqual(['catalog', 'catalog']);
    expect(await table.locator('tbody td:nth-child(2)').allInnerTexts()).toEqual(['prod', 'staging']);
    expect(await link.getAttribute('href')).toContain('handles_pii=false&format=csv');
    await expectAccessible(page, 'lookup');

    // An advisory's blast radius, from the same form.
    await page.getByLabel('an advisory’s blast radius').check();
    await page.getByLabel('Advisory id', { exact: true }).fill('cve-2026-54892');
    await page.getByLabel('Handles PII', { exact: true }).selectOption('');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: /CVE-2026-54892/ }).waitFor();
    expect(await textOf(page.locator('.card.advisory'))).toMatch(/plug: fixed in .*1\.16\.4/);
    await table.waitFor();
    expect(await table.locator('tbody th').allInnerTexts()).toContain('checkout');
    await shot(page, 'lookup');
  });

  it('lists the advisories that affect the organization, newest first, with their blast radius', async () => {
    const { page } = read;
    await page.getByRole('link', { name: 'Advisories' }).click();
    const table = page.locator('table.advisories');
    await table.waitFor();
    const { advisories } = await apiGet<{
      advisories: { id: string; published: string | null; app_environments: number; instances: number }[];
    }>('/v1/advisories');
    expect(advisories.length).toBeGreaterThan(3);
    const published = (await table.locator('tbody td:first-child').allInnerTexts()).filter(
      (date) => date !== '—',
    );
    expect(published).toEqual([...published].sort().reverse());
    const first = table.locator('tbody tr').first();
    expect(await textOf(first)).toContain(advisories[0]!.id);
    expect(await textOf(first)).toContain(`${advisories[0]!.app_environments} app-environment`);
    await expectAccessible(page, 'advisories');
    await shot(page, 'advisories');
  });

  it('shows the overview on a phone and in dark mode, still accessible', async () => {
    const phone = await openDashboard({ width: 390 });
    await signIn(phone.page, keys.read);
    await overviewRows(phone.page);
    // The table scrolls in its own box: the page itself does not scroll sideways.
    expect(await phone.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await expectAccessible(phone.page, 'overview at 390 px');
    await shot(phone.page, 'overview-390');
    expect(phone.problems).toEqual([]);
    await phone.context.close();

    const dark = await openDashboard({ colorScheme: 'dark' });
    await signIn(dark.page, keys.read);
    await overviewRows(dark.page);
    await expectAccessible(dark.page, 'overview in dark mode');
    await shot(dark.page, 'overview-dark');
    await dark.page.goto(`${api}/#/apps/checkout/prod`);
    await dark.page.locator('table.findings').waitFor();
    await expectAccessible(dark.page, 'app-environment in dark mode');
    expect(dark.problems).toEqual([]);
    await dark.context.close();
  });

  it('refuses a cookie-authenticated change without the CSRF token', async () => {
    const { page } = read;
    const answer = (await page.evaluate(`fetch('/v1/apps/checkout/prod/findings/CVE-2026-54892/suppression', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'forged', author: 'nobody', expires_at: new Date(Date.now() + 864e5).toISOString() }),
      }).then(async (response) => ({ status: response.status, body: await response.json() }))`)) as {
      status: number;
      body: { error: { code: string } };
    };
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'csrf' } } });
  });

  it('signs out: the old cookie no longer opens anything', async () => {
    const { page, context } = read;
    const [cookie] = await context.cookies();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Muster' }).waitFor();
    expect(await textOf(page.getByRole('status'))).toContain('You are signed out');
    const after = await fetch(`${api}/v1/apps`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect(after.status).toBe(401);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Muster' }).waitFor();
    expect(read.problems).toEqual([]);
    await context.close();
  });

  it('lets an admin suppress a finding with a reason, an expiry and why it does not affect the app, and lift it', async () => {
    const admin = await openDashboard();
    const { page } = admin;
    await page.goto(`${api}/#/apps/checkout/prod`);
    await signIn(page, keys.admin);
    expect(await textOf(page.locator('.who'))).toMatch(/Admin/);
    const findings = page.locator('table.findings');
    await findings.waitFor();
    const row = () => findings.locator('tbody tr.finding', { hasText: 'CVE-2026-54892' });
    expect(await textOf(row())).toContain('Open');

    await page.getByRole('button', { name: 'Suppress CVE-2026-54892' }).click();
    const form = page.getByRole('form', { name: 'Suppress CVE-2026-54892' });
    await form.getByRole('button', { name: 'Suppress' }).click();
    await expect.poll(() => textOf(form.getByRole('alert'))).toMatch(/Give a reason/);
    await form
      .getByLabel('Reason', { exact: true })
      .fill('Only reachable from the VPN; upgrade planned for sprint 12');
    await form.getByLabel('Decided by', { exact: true }).fill('ana@acme.example');
    const until = new Date(Date.now() + 14 * 864e5).toISOString().slice(0, 10);
    await form.getByLabel('Until', { exact: true }).fill(until);
    // A justification is asked for only once the finding is said not to affect the app.
    expect(await form.getByLabel('Justification', { exact: true }).count()).toBe(0);
    await form.getByLabel('State', { exact: true }).selectOption({ label: 'Not affected' });
    await form.getByRole('button', { name: 'Suppress' }).click();
    await expect.poll(() => textOf(form.getByRole('alert'))).toMatch(/Say why the app is not affected/);
    await form
      .getByLabel('Justification', { exact: true })
      .selectOption({ label: 'Protected at the perimeter' });
    await expectAccessible(page, 'app-environment with the suppression form');
    await form.getByRole('button', { name: 'Suppress' }).click();
    await expect.poll(() => textOf(row()), { timeout: 15_000 }).toMatch(/Suppressed/);
    expect(await textOf(row())).toContain('Not affected: protected at the perimeter');
    expect(await textOf(row())).toContain(`until ${until}, by ana@acme.example`);
    expect(await textOf(page.getByRole('status').first())).toContain('suppressed');
    const suppressed = await apiGet<{
      findings: { id: string; status: string; suppression?: { state?: string; justification?: string } }[];
    }>('/v1/apps/checkout/prod');
    expect(suppressed.findings.find((finding) => finding.id === 'CVE-2026-54892')).toMatchObject({
      status: 'suppressed',
      suppression: { state: 'not_affected', justification: 'protected_at_perimeter' },
    });
    await expectAccessible(page, 'app-environment as an admin');
    await shot(page, 'app-environment-admin');

    await page.getByRole('button', { name: 'Lift suppression of CVE-2026-54892' }).click();
    await expect.poll(() => textOf(row()), { timeout: 15_000 }).toMatch(/Open/);
    const lifted = await apiGet<{ findings: { id: string; status: string }[] }>('/v1/apps/checkout/prod');
    expect(lifted.findings.find((finding) => finding.id === 'CVE-2026-54892')?.status).toBe('open');
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  });

  it('returns to the sign-in form when the session ends elsewhere', async () => {
    const session = await openDashboard();
    const { page, context } = session;
    await signIn(page, keys.read);
    await overviewRows(page);
    // The session ends on the server (as at sign-out in another tab): the next call answers 401.
    const [cookie] = await context.cookies();
    const headers = { cookie: `${cookie!.name}=${cookie!.value}` };
    const { csrf_token } = (await (await fetch(`${api}/v1/session`, { headers })).json()) as {
      csrf_token: string;
    };
    const ended = await fetch(`${api}/v1/session`, {
      method: 'DELETE',
      headers: { ...headers, 'x-csrf-token': csrf_token },
    });
    expect(ended.status).toBe(204);
    await page.getByRole('link', { name: 'Advisories' }).click();
    await page.getByRole('heading', { name: 'Sign in to Muster' }).waitFor();
    expect(await textOf(page.getByRole('status'))).toContain('Your session has ended');
    await context.close();
  });
});

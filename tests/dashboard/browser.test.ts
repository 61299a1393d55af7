/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core opens every page of a
 * warehouse built like the demo, checks the figures against SQL, follows a click from the overview to
 * a client's devices, confirms the chart drew (the CSP let the same-origin script run, nothing
 * inline was needed) and saves a screenshot of each page (to $DASHBOARD_SHOTS or a temp dir).
 * Skipped, saying so, where /usr/bin/chromium is not installed (`.ci/run` installs it).
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../helpers/db.js';
import { OPEN_MONTH, buildWarehouse, numberOf, startDashboard, type RunningDashboard } from './warehouse.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`tests/dashboard/browser.test.ts: skipped, ${CHROMIUM} is not installed (apt-get install chromium)`);

let db: TestDatabase;
let cleanup: () => Promise<void>;
let dashboard: RunningDashboard;
let browser: Browser;
const shots = process.env.DASHBOARD_SHOTS ?? mkdtempSync(path.join(tmpdir(), 'dashboard-shots-'));

describe.skipIf(!hasChromium)('the dashboard in chromium', () => {
  beforeAll(async () => {
    ({ db, cleanup } = await buildWarehouse());
    dashboard = await startDashboard(db);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    mkdirSync(shots, { recursive: true });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
    await cleanup?.();
  });

  it('opens every page without a script or CSP error, with the figures of the bi views, and saves a screenshot of each', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
    const [billable] = await db.sql<{ total: number }[]>`select sum(billable)::int as total from bi.billing_monthly where month = ${OPEN_MONTH}`;
    const [devices] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.devices_current`;
    const [health] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.collection_health`;
    const pages: Array<[name: string, url: string, check: () => Promise<void>]> = [
      ['overview', '/', async () => {
        expect(numberOf(await page.textContent('#last-month-billable') ?? '')).toBe(billable?.total);
        // The chart drew: uPlot's canvas is there, so the same-origin script ran under the CSP.
        await page.waitForSelector('#chart canvas', { timeout: 10_000 });
      }],
      ['billing', `/billing?month=${OPEN_MONTH}`, async () => { expect(numberOf(await page.textContent('#month-billable') ?? '')).toBe(billable?.total); }],
      ['devices', '/devices', async () => { expect(numberOf(await page.textContent('#device-count') ?? '')).toBe(devices?.n); }],
      ['compliance', '/compliance', async () => { expect(await page.locator('#compliance-matrix td.check').count()).toBeGreaterThan(0); }],
      ['coverage', '/coverage', async () => { expect(await page.locator('#coverage tbody tr').count()).toBeGreaterThan(0); }],
      ['health', '/health', async () => { expect(await page.locator('#health tbody tr').count()).toBe(health?.n); }],
    ];
    for (const [name, url, check] of pages) {
      const response = await page.goto(`${dashboard.base}${url}`);
      expect(response?.status(), url).toBe(200);
      await check();
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('follows a click from the overview to that client\'s devices', async () => {
    const page = await browser.newPage();
    await page.goto(`${dashboard.base}/`);
    const link = page.locator('#overview a.client').first();
    const client = (await link.textContent())?.trim() ?? '';
    await Promise.all([page.waitForURL(/\/devices\?client=\d+$/u), link.click()]);
    const id = Number(new URL(page.url()).searchParams.get('client'));
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.devices_current where site_id = ${id}`;
    expect(numberOf(await page.textContent('#device-count') ?? '')).toBe(count?.n);
    expect(await page.textContent('h1')).toBe(`Devices: ${client}`);
    // The filter form keeps the client: the page is bookmarkable as it stands.
    expect(await page.locator('select[name="client"]').inputValue()).toBe(String(id));
    await page.close();
  });
});

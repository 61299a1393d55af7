/**
 * `warehouse serve` over real sockets on a real warehouse: each page's figures equal the bi view
 * they come from; every answer carries the security headers; only GET and HEAD; out-of-bound or
 * unknown parameters are a 400; the pool is warehouse_reader and nothing more; credentials, when
 * configured, are required; a bind beyond loopback without them is refused (exit 2); the log never
 * holds the database password.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBind, loadCredentials } from '../../bin/dashboard/auth.js';
import { isStale } from '../../bin/commands/status.js';
import { summaryCsv } from '../../bin/export/billing-csv.js';
import { loadBillingExport } from '../../bin/export/billing-data.js';
import type { TestDatabase } from '../helpers/db.js';
import { cli } from '../operator/cli.js';
import { CLOSED_MONTH, OPEN_MONTH, buildWarehouse, numberOf, startDashboard, tableOf, textOf, type RunningDashboard } from './warehouse.js';

let db: TestDatabase;
let cleanup: () => Promise<void>;
let dashboard: RunningDashboard;

beforeAll(async () => {
  ({ db, cleanup } = await buildWarehouse());
  dashboard = await startDashboard(db);
}, 600_000);

afterAll(async () => {
  await dashboard?.close();
  await cleanup?.();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`${dashboard.base}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function page(path: string): Promise<string> {
  const { status, body } = await get(path);
  expect(status, `${path}: ${textOf(body).slice(0, 300)}`).toBe(200);
  return body;
}

/** A raw request with any method (fetch refuses some bodies and methods). */
function send(method: string, path: string, base = dashboard.base): Promise<{ status: number; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end(method === 'POST' || method === 'PUT' ? 'x=1' : undefined);
  });
}

describe('the pages show what the bi views hold', () => {
  it('/: per client and source, now and at the last month-end, equal bi.billing_today_vs_last_month_end; the month-end total equals bi.billing_monthly', async () => {
    const html = await page('/');
    const expected = await db.sql<{ billable_today: number; spares_today: number; billable_last_month_end: number; change: number; source: string }[]>`
      select billable_today, spares_today, billable_last_month_end, change, source from bi.billing_today_vs_last_month_end order by site, source, instance`;
    const { rows, foot } = tableOf(html, 'overview');
    expect(rows.map((r) => [r[1], numberOf(r[4]), numberOf(r[5]), numberOf(r[9]), numberOf(r[10])]))
      .toEqual(expected.map((e) => [e.source, e.spares_today, e.billable_today, e.billable_last_month_end, e.change]));
    const sum = (pick: (e: (typeof expected)[number]) => number) => expected.reduce((a, e) => a + pick(e), 0);
    expect(numberOf(foot[5])).toBe(sum((e) => e.billable_today));
    expect(numberOf(foot[9])).toBe(sum((e) => e.billable_last_month_end));
    // Workstations and servers now: bi.devices_current's billable devices by billing category.
    const [split] = await db.sql<{ workstations: number; servers: number }[]>`
      select (count(*) filter (where billing_status = 'billable' and billing_category = 'workstation'))::int as workstations,
             (count(*) filter (where billing_status = 'billable' and billing_category = 'server'))::int as servers
      from bi.devices_current`;
    expect([numberOf(foot[2]), numberOf(foot[3])]).toEqual([split?.workstations, split?.servers]);
    const [last] = await db.sql<{ total: number }[]>`select sum(billable)::int as total from bi.billing_monthly where month = ${OPEN_MONTH}`;
    expect(textOf(/<strong id="last-month-billable">([^<]*)<\/strong>/u.exec(html)?.[1] ?? '')).toBe((last?.total ?? -1).toLocaleString('en-US'));
    // The chart's data is embedded as JSON (never inline script) and matches the monthly table.
    const chart = JSON.parse(/<script type="application\/json" id="chart-data">([^<]*)<\/script>/u.exec(html)?.[1] ?? 'null') as { series: Array<{ label: string; values: number[] }> };
    expect(chart.series.reduce((a, s) => a + (s.values.at(-1) ?? 0), 0)).toBe(last?.total);
    expect(html).not.toMatch(/<script(?![^>]*(src=|type="application\/json"))/u);
  });

  it('/: a client opens its devices, and the devices listed are that client\'s in bi.devices_current', async () => {
    const html = await page('/');
    const link = /<a class="client" href="([^"]+)">([^<]+)<\/a>/u.exec(html);
    expect(link).not.toBeNull();
    const target = (link?.[1] as string).replace(/&amp;/gu, '&');
    const client = Number(new URLSearchParams(target.split('?')[1]).get('client'));
    const devices = await page(target);
    const [count] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.devices_current where site_id = ${client}`;
    expect(numberOf(textOf(/<strong id="device-count">([^<]*)<\/strong>/u.exec(devices)?.[1] ?? ''))).toBe(count?.n);
    expect(new Set(tableOf(devices, 'devices').rows.map((r) => r[0]))).toEqual(new Set([textOf(link?.[2] as string)]));
  });

  it('/billing?month=: seats per client and source equal bi.billing_monthly; the changes equal bi.billing_changes; the device count equals bi.billing_month_devices', async () => {
    const html = await page(`/billing?month=${OPEN_MONTH}`);
    const expected = await db.sql<{ source: string; workstations: number; servers: number; spares: number; billable: number; total: number; change: number }[]>`
      select source, workstations, servers, spares, billable, total, change from bi.billing_monthly where month = ${OPEN_MONTH} order by site, source, instance`;
    const { rows, foot } = tableOf(html, 'billing');
    expect(rows.map((r) => [r[1], numberOf(r[2]), numberOf(r[3]), numberOf(r[4]), numberOf(r[5]), numberOf(r[6]), numberOf(r[8])]))
      .toEqual(expected.map((e) => [e.source, e.workstations, e.servers, e.spares, e.billable, e.total, e.change]));
    expect(numberOf(foot[5])).toBe(expected.reduce((a, e) => a + e.billable, 0));
    expect(html).toMatch(/class="open">open</u);
    const changes = await db.sql<{ source: string; added: number; removed: number; seats: number }[]>`
      select source, (count(*) filter (where change = 'added'))::int as added, (count(*) filter (where change = 'removed'))::int as removed, sum(seat_delta)::int as seats
      from bi.billing_changes where month = ${OPEN_MONTH} group by site, site_id, source order by site, source`;
    expect(tableOf(html, 'change-summary').rows.map((r) => [r[1], numberOf(r[2]), numberOf(r[3]), numberOf(r[7])])).toEqual(changes.map((c) => [c.source, c.added, c.removed, c.seats]));
    const [devices] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.billing_month_devices where month = ${OPEN_MONTH}`;
    expect(html).toContain(`of ${(devices?.n ?? -1).toLocaleString('en-US')}`);
    // The totals line and the listed changes (read with the summary in one statement) are the view's too.
    const [totals] = await db.sql<{ n: number; added: number; removed: number; moved: number; reclassified: number }[]>`
      select count(*)::int as n, (count(*) filter (where change = 'added'))::int as added, (count(*) filter (where change = 'removed'))::int as removed,
             (count(*) filter (where change in ('moved_in', 'moved_out')))::int as moved, (count(*) filter (where change = 'reclassified'))::int as reclassified
      from bi.billing_changes where month = ${OPEN_MONTH}`;
    expect(totals?.n).toBeGreaterThan(0);
    expect(textOf(html)).toContain(`${totals?.n} change(s): ${totals?.added} added, ${totals?.removed} removed, ${totals?.moved} moved (in or out), ${totals?.reclassified} reclassified`);
    const listed = await db.sql<{ site: string; source: string; name: string; change: string; detail: string }[]>`
      select site, source, coalesce(hostname, vendor_id) as name, change, detail from bi.billing_changes where month = ${OPEN_MONTH}
      order by site, change, lower(coalesce(hostname, vendor_id)), source, vendor_id limit 200`;
    expect(tableOf(html, 'changes').rows.map((r) => [r[0], r[1], r[2], r[3], r[5]])).toEqual(listed.map((c) => [c.site, c.source, c.name, c.change, c.detail]));
    expect((await get('/billing?month=2025-05')).status).toBe(404);
    const spare = await page(`/billing?month=${OPEN_MONTH}&status=spare&size=200`);
    const spares = await db.sql<{ reason: string; spare_rule: string | null }[]>`
      select reason, spare_rule from bi.billing_month_devices where month = ${OPEN_MONTH} and billing_status = 'spare'
      order by site, lower(coalesce(hostname, display_name, vendor_id)), source, instance, vendor_id limit 200`;
    expect(tableOf(spare, 'month-devices').rows.map((r) => [r[5], r[6]])).toEqual(spares.map((s) => [s.reason, s.spare_rule ?? '']));
  });

  it('/billing of a closed month shows it closed with the sealed digest of bi.billing_closes', async () => {
    const html = await page(`/billing?month=${CLOSED_MONTH}`);
    const [seal] = await db.sql<{ digest: string }[]>`select digest from bi.billing_closes where month = ${CLOSED_MONTH}`;
    expect(seal?.digest).toMatch(/^[0-9a-f]{64}$/u);
    expect(html).toContain(`<code class="digest">${seal?.digest}</code>`);
    expect(html).toMatch(/class="closed">closed</u);
  });

  it('/billing/export hands out the files of `warehouse export billing`', async () => {
    const csv = await fetch(`${dashboard.base}/billing/export?month=${OPEN_MONTH}&format=summary-csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="billing-${OPEN_MONTH}-summary.csv"`);
    // As bytes: a text decoder would drop the byte-order mark the export writes for Excel.
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8')).toBe(summaryCsv({ ...(await loadBillingExport(db.sql, OPEN_MONTH)), timeZone: 'UTC' }));
    const xlsx = await fetch(`${dashboard.base}/billing/export?month=${OPEN_MONTH}&format=xlsx`);
    expect(xlsx.status).toBe(200);
    expect(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
    expect((await get('/billing/export?month=2025-05&format=xlsx')).status).toBe(404);
  });

  it('/devices: the count and the rows follow the filters as bi.devices_current has them, paged', async () => {
    const [all] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.devices_current`;
    expect(numberOf(textOf(/<strong id="device-count">([^<]*)<\/strong>/u.exec(await page('/devices'))?.[1] ?? ''))).toBe(all?.n);
    const [some] = await db.sql<{ site_id: number; hostname: string }[]>`select site_id, hostname from bi.devices_current where source = 'threatlocker' and hostname is not null order by hostname limit 1`;
    const search = (some?.hostname ?? '').slice(0, 5).toLowerCase();
    const filtered = await page(`/devices?source=threatlocker&class=workstation&status=billable&q=${encodeURIComponent(search)}&size=200`);
    const expected = await db.sql<{ hostname: string | null }[]>`
      select hostname from bi.devices_current
      where source = 'threatlocker' and device_class = 'workstation' and billing_status = 'billable'
        and (hostname ilike ${`%${search}%`} or display_name ilike ${`%${search}%`} or serial_number ilike ${`%${search}%`})
      order by site, lower(coalesce(hostname, display_name, vendor_id)), source, instance, vendor_id`;
    expect(tableOf(filtered, 'devices').rows.map((r) => r[2])).toEqual(expected.map((e) => e.hostname ?? ''));
    const second = tableOf(await page('/devices?size=7&page=2'), 'devices').rows;
    const paged = await db.sql<{ vendor_id: string; hostname: string | null }[]>`
      select vendor_id, hostname from bi.devices_current order by site, lower(coalesce(hostname, display_name, vendor_id)), source, instance, vendor_id limit 7 offset 7`;
    expect(second.map((r) => r[2])).toEqual(paged.map((p) => p.hostname ?? ''));
    // Stale: the billing policy's rule, as the month-end rows flag it.
    const [stale] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from bi.devices_current as d cross join bi.billing_policy as p
      where d.billing_status = 'billable' and d.last_contact_at < ((d.snapshot_day + 1)::timestamp at time zone p.time_zone) - make_interval(days => p.stale_after_days)`;
    expect(numberOf(textOf(/<strong id="device-count">([^<]*)<\/strong>/u.exec(await page('/devices?stale=yes'))?.[1] ?? ''))).toBe(stale?.n);
  });

  it('/compliance: every rule × client cell is the status bi.compliance_checks has for the day and source', async () => {
    const html = await page('/compliance?source=pmp');
    const [day] = await db.sql<{ day: string }[]>`select max(day)::text as day from bi.daily_counts where source = 'pmp'`;
    const checks = await db.sql<{ rule_id: string; scope_name: string; status: string }[]>`
      select rule_id, scope_name, status from bi.compliance_checks where snapshot_day = ${day?.day ?? ''}::date and source = 'pmp'`;
    expect(checks.length).toBeGreaterThan(0);
    const { head, rows } = tableOf(html, 'compliance-matrix');
    const shown = new Map<string, string>();
    for (const row of rows) row.slice(2).forEach((cell, i) => { if (cell) shown.set(`${row[0]?.split('\n')[0]}|${head[i + 2]}`, cell); });
    const words: Record<string, string> = { pass: 'pass', fail: 'FAIL', unknown: 'not evaluable' };
    for (const c of checks) {
      const key = [...shown.keys()].find((k) => k.startsWith(c.rule_id) && k.endsWith(`|${c.scope_name}`));
      expect(key, `${c.rule_id} ${c.scope_name}`).toBeDefined();
      expect(shown.get(key as string), `${c.rule_id} ${c.scope_name}`).toBe(words[c.status]);
    }
    const trend = await db.sql<{ month: string }[]>`select distinct month from bi.compliance_trend where scope = 'estate' and source = 'pmp' and metric = 'critical_count' order by month desc`;
    expect(tableOf(html, 'missing-trend').rows.map((r) => r[0])).toEqual(trend.map((t) => t.month));
    const pmp = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.pmp_summary_trend where kind = 'count' and snapshot_day = (select max(snapshot_day) from bi.pmp_summary_trend)`;
    expect(tableOf(html, 'pmp-summary').rows).toHaveLength(pmp[0]?.n ?? -1);
  });

  it('/coverage: per client the figures of bi.coverage, and as many open findings as bi.exceptions', async () => {
    const html = await page('/coverage?size=200');
    const expected = await db.sql<{ site: string; ninjaone_devices: number; threatlocker_devices: number; pmp_devices: number; open_exceptions: number }[]>`
      select site, ninjaone_devices, threatlocker_devices, pmp_devices, open_exceptions from bi.coverage order by site`;
    expect(tableOf(html, 'coverage').rows.map((r) => [r[0]?.replace(/ (internal|unmapped)$/u, ''), numberOf(r[1]), numberOf(r[3]), numberOf(r[4]), numberOf(r[12])]))
      .toEqual(expected.map((e) => [e.site, e.ninjaone_devices, e.threatlocker_devices, e.pmp_devices, e.open_exceptions]));
    const [open] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.exceptions where status = 'open'`;
    expect(tableOf(html, 'findings').rows).toHaveLength(Math.min(open?.n ?? 0, 200));
  });

  it('/health: the rows of bi.collection_health and the verdict of `warehouse status`', async () => {
    const html = await page('/health');
    const lines = await db.sql<{ source: string; age_hours: number | null; consecutive_failures: number }[]>`
      select source, (extract(epoch from age) / 3600.0)::float8 as age_hours, consecutive_failures::int as consecutive_failures from bi.collection_health order by source, instance`;
    const rows = tableOf(html, 'health').rows;
    expect(rows.map((r) => [r[0], r[1], numberOf(r[7])])).toEqual(lines.map((l) => [l.source, isStale(l, 36) ? 'STALE' : 'ok', l.consecutive_failures]));
    expect(html).toMatch(lines.some((l) => isStale(l, 36)) ? /class="verdict bad">STALE/u : /class="verdict good">OK/u);
  });
});

describe('what every answer guarantees', () => {
  it('sends the CSP without inline script, no framing, nosniff and no referrer, on pages, files and errors', async () => {
    for (const path of ['/', '/health', '/static/dashboard.js', '/static/uPlot.iife.min.js', '/nowhere', '/devices?size=0']) {
      const { headers } = await get(path);
      expect(headers.get('content-security-policy'), path).toMatch(/script-src 'self';/u);
      expect(headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/u);
      expect(headers.get('content-security-policy'), path).not.toMatch(/unsafe-inline|unsafe-eval/u);
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
    }
    const { headers, body } = await get('/static/uPlot.iife.min.js');
    expect(headers.get('content-type')).toMatch(/^text\/javascript/u);
    expect(body).toMatch(/uPlot/u);
  });

  it('answers only GET and HEAD: any other method is a 405 naming them', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) expect(await send(method, '/billing'), method).toEqual({ status: 405, allow: 'GET, HEAD' });
    expect((await send('HEAD', '/health')).status).toBe(200);
  });

  it('refuses unbounded, malformed and unknown parameters with a 400 naming them', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/devices?size=1000', /size=1000 is not a whole number from 1 to 200/u],
      ['/devices?page=100000', /narrow the filters/u],
      [`/devices?q=${'x'.repeat(101)}`, /q is longer than 100 characters/u],
      ['/devices?class=toaster', /class=toaster is not one of/u],
      ['/devices?client=1;drop', /client=1;drop is not a whole number/u],
      ['/billing?month=2026-13', /month=2026-13 is not a month/u],
      ['/devices?sort=hostname', /unknown parameter "sort"/u],
      ['/devices?source=pmp&source=ninjaone', /more than once/u],
      ['/compliance?months=99', /months=99 is not a whole number from 1 to 36/u],
      ['/compliance?day=2020-01-01', /is not one of the last/u],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(textOf(body), path).toMatch(message);
    }
  });

  it('searches text literally: wildcards and quotes are data, not SQL or patterns', async () => {
    const html = await page(`/devices?q=${encodeURIComponent("%' or 1=1 --")}`);
    expect(numberOf(textOf(/<strong id="device-count">([^<]*)<\/strong>/u.exec(html)?.[1] ?? ''))).toBe(0);
    expect(numberOf(textOf(/<strong id="device-count">([^<]*)<\/strong>/u.exec(await page('/devices?q=%25'))?.[1] ?? ''))).toBe(0);
  });

  it('reads as warehouse_reader, read only, and can read nothing outside bi', async () => {
    const [me] = await dashboard.reader<{ role: string; readOnly: string; timeout: string }[]>`
      select current_user as role, current_setting('transaction_read_only') as "readOnly", current_setting('statement_timeout') as timeout`;
    expect(me).toEqual({ role: 'warehouse_reader', readOnly: 'on', timeout: '10s' });
    await expect(dashboard.reader`select count(*) from core.sites`).rejects.toMatchObject({ code: '42501' });
  });

  it('plans every statement for its values: a prepared page query never switches to its generic plan', async () => {
    // The pages' optional filters, ($1 is null or column = $1), are dropped only by a plan that knows
    // $1; a generic plan guesses each one selective (at 20,000 devices per source: nested loops over
    // 60,000 rows, 4x the custom plan).
    const session = await dashboard.reader.reserve();
    try {
      const [mode] = await session<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
      expect(mode?.mode).toBe('force_custom_plan');
      for (let run = 0; run < 8; run++) {
        await session`select count(*)::int as n from bi.devices_current as d where (${null}::int is null or d.site_id = ${null}::int) and (${null}::text is null or d.source = ${null}::text)`;
      }
      const plans = await session<{ custom: number; generic: number }[]>`
        select custom_plans::int as custom, generic_plans::int as generic from pg_prepared_statements
        where statement like '%bi.devices_current as d where%' and statement not like '%pg_prepared_statements%'`;
      expect(plans).toEqual([{ custom: 8, generic: 0 }]);
    } finally {
      session.release();
    }
  });

  it('never logs the database password', async () => {
    await page('/');
    await get('/devices?size=5000');
    const password = decodeURIComponent(new URL(db.url).password);
    expect(password.length).toBeGreaterThan(0);
    expect(dashboard.logged()).toMatch(/"path":"\/devices","status":400/u);
    expect(dashboard.logged()).not.toContain(password);
  });
});

describe('credentials', () => {
  const TOKEN = 'a-long-random-dashboard-token-0123';

  it('when configured, every request needs them: missing or wrong is a 401, the token as Basic password or bearer is let in', async () => {
    const credentials = loadCredentials({ get: (key) => (key === 'WAREHOUSE_DASHBOARD_TOKEN' ? TOKEN : undefined) });
    const guarded = await startDashboard(db, credentials);
    try {
      const at = (headers: Record<string, string>, path = '/health') => fetch(`${guarded.base}${path}`, { headers }).then((r) => ({ status: r.status, challenge: r.headers.get('www-authenticate') }));
      const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
      expect(await at({})).toEqual({ status: 401, challenge: 'Basic realm="warehouse", charset="UTF-8"' });
      expect((await at(basic('operator', 'wrong-wrong-wrong-wrong'))).status).toBe(401);
      expect((await at({ Authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
      expect((await at({ Authorization: 'Digest whatever' })).status).toBe(401);
      expect((await at(basic('operator', TOKEN))).status).toBe(200);
      expect((await at({ Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      // Static files too: nothing is served before the check.
      expect((await at({}, '/static/dashboard.js')).status).toBe(401);
    } finally {
      await guarded.close();
    }
  });

  it('user:password must be given whole; a short token is refused at start', () => {
    const pair = loadCredentials({ get: () => 'ops:another-long-password-4567' });
    const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
    expect(pair?.accepts(header('ops:another-long-password-4567'))).toBe(true);
    expect(pair?.accepts(header('root:another-long-password-4567'))).toBe(false);
    expect(() => loadCredentials({ get: () => 'tiny' })).toThrow(/fewer than 16 characters/u);
  });

  it('a bind beyond loopback needs them; loopback does not', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(() => checkBind(host, undefined), host).not.toThrow();
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'dashboard.example.com']) expect(() => checkBind(host, undefined), host).toThrow(/no credentials are configured/u);
    expect(() => checkBind('0.0.0.0', loadCredentials({ get: () => TOKEN }))).not.toThrow();
  });

  it('`warehouse serve --host 0.0.0.0` without credentials exits 2 with the fix, before serving anything', async () => {
    const { code, err, out } = await cli(['serve', '--host', '0.0.0.0', '--port', '0'], { env: { DATABASE_URL: db.url } });
    expect(code).toBe(2);
    expect(err).toMatch(/^warehouse: serve: --host 0\.0\.0\.0 is reachable from other machines and no credentials are configured\n→ Set WAREHOUSE_DASHBOARD_TOKEN/u);
    expect(out).toBe('');
  });
});

/**
 * `npm run bench -- [--devices N] [--history-days N] [--sim-rerun] [--keep]`: every figure of issue 10 next to its
 * physical limit, measured in the same run on the same database, printed as one table (bench/README.md
 * explains each line). Never fails on absolute times, only on errors. Progress goes to stderr.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openBenchDatabase } from './database.js';
import { buildFleet } from './fleet.js';
import { findingsRefresh, publishFleet } from './b1-publish.js';
import { findingsNight } from './b1-findings.js';
import { rawCopy, type RawCopy } from './raw-copy.js';
import { quiesce } from './measure.js';
import { SIM_INSTANCE, startSimulatorBench, type SimulatorRun } from './b2-simulator.js';
import { benchRetention } from './b4-retention.js';
import { benchDailyRollup } from './b5-rollup.js';
import { benchBilling } from './b5-billing.js';
import { benchComplianceWorkbook } from './b6-compliance.js';
import { benchAlerts } from './b6-alerts.js';
import { benchDashboard } from './b7-dashboard.js';
import { benchViews } from './b8-views.js';
import { buildHistory, openHistoryDatabase } from './history.js';
import { measureDay, rawPagesPerRun } from './storage.js';
import { printReport, type BenchResults, type HistoryRows } from './report.js';

/** The fleet's first day, the day every source publishes (B1, B3, B4, B5), the simulator's day (B2). */
const FIRST_DAY = '2026-01-14';
const DAY = '2026-01-15';
const SIM_DAY = '2026-01-16';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '200000' },
    'history-days': { type: 'string' },
    'sim-rerun': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'slow-log': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(`usage: npm run bench -- [--devices N] [--sim-rerun] [--keep]
  --devices N   devices per source (default 200000; CI uses 20000)
  --history-days N
                days of dailies per source for the rows that read history (H, B6-B8), in a second
                scratch database (default 65, the dailies' retention, at 100,000 devices and more;
                10 below, so CI's run at 20,000 stays short; 0 skips those rows)
  --sim-rerun   also re-run the simulator collection twice (B3 on the HTTP path), with raw pages kept and off
  --keep        keep the benchmark database afterwards
  --slow-log MS log every statement slower than MS ms to the server log (needs superuser; use with --keep)
Uses DATABASE_URL's server (a scratch database, dropped afterwards) when set, else an embedded
PostgreSQL in a temporary directory.
`);
  process.exit(0);
}
const devices = Number(values.devices);
if (!Number.isInteger(devices) || devices < 100) {
  process.stderr.write(`--devices ${values.devices}: use a whole number of at least 100\n`);
  process.exit(2);
}

const historyDays = values['history-days'] === undefined ? (devices >= 100_000 ? 65 : 10) : Number(values['history-days']);
if (!Number.isInteger(historyDays) || historyDays < 0 || historyDays === 1 || historyDays > 400) {
  process.stderr.write(`--history-days ${values['history-days']}: use 0 (no history rows) or a whole number from 2 to 400\n`);
  process.exit(2);
}

const step = (text: string): void => { process.stderr.write(`bench: ${text}\n`); };
const loadStart = loadavg()[0] ?? 0;
const started = Date.now();
// The one place the bench reads the environment: which server to use (DESIGN.md §4).
const db = await openBenchDatabase(process.env.DATABASE_URL || undefined, values.keep);
const sql = postgres(db.url, { max: 2, onnotice: () => {}, connection: { application_name: 'bench' } });
try {
  const [server] = await sql<{ version: string }[]>`select current_setting('server_version') as version`;
  if (values['slow-log'] !== undefined) {
    // Applies to the connections opened from here on (every run opens its own).
    const [current] = await sql<{ name: string }[]>`select current_database() as name`;
    await sql.unsafe(`alter database "${current?.name}" set log_min_duration_statement = ${Math.floor(Number(values['slow-log']))}`);
  }
  const instanceOf = async (source: string, instance = 'default'): Promise<number> => {
    const [row] = await sql<{ id: number }[]>`select source_instance_id as id from ops.source_instances where source = ${source} and instance = ${instance}`;
    return row?.id as number;
  };

  // Day 0: the fleet's first day (every device and site new). Then the day under test, as a normal
  // night: threatlocker and pmp publish first (their first run: aliases map to the sites ninjaone
  // created), then ninjaone, whose publish is B1 (known devices and sites, a new day partition).
  step(`first day: publishing ${devices} new devices (ninjaone, ${FIRST_DAY})`);
  const ninja = buildFleet('ninjaone', devices);
  const firstDay = await publishFleet(sql, db.url, 'ninjaone', ninja, FIRST_DAY);
  step(`publishing threatlocker and pmp for ${DAY}`);
  const others = [];
  for (const source of ['threatlocker', 'pmp'] as const) others.push(await publishFleet(sql, db.url, source, buildFleet(source, devices), DAY));
  step(`B1: publishing ${devices} mapped devices (ninjaone, ${DAY})`);
  await quiesce(sql);
  const publish = await publishFleet(sql, db.url, 'ninjaone', ninja, DAY);
  step('the nightly cross-vendor findings refresh over the three sources');
  const findings = await findingsRefresh(sql);
  step('the findings refresh on a night with 1 % churn: incremental (the nightly), then the full re-judgement');
  const night = await findingsNight(sql, DAY, () => quiesce(sql));
  step('B1: raw COPY of the same rows, twice (the faster is the limit)');
  const ninjaId = await instanceOf('ninjaone');
  const copies = [];
  for (const tag of ['a', 'b']) {
    await quiesce(sql);
    copies.push(await rawCopy(sql, DAY, ninjaId, tag));
  }
  const copy = copies.reduce((best, c) => (c.ms < best.ms ? c : best)) as RawCopy;

  step('B3: re-running the same day with identical rows');
  await quiesce(sql);
  const rerun = await publishFleet(sql, db.url, 'ninjaone', ninja, DAY);

  step('B5: daily rollup of the day');
  const daily = await benchDailyRollup(sql, DAY);
  step('storage of the day');
  const storage = await measureDay(sql, DAY);
  step(`B2: NinjaOne simulator with ${devices} devices (${SIM_DAY}), collector in a child process`);
  const sim = await startSimulatorBench(sql, db.url, devices, SIM_DAY);
  let fetchOnly: SimulatorRun;
  let fetchSame: SimulatorRun;
  let collect: SimulatorRun;
  let simRerun: SimulatorRun | null = null;
  let simRerunNoRaw: SimulatorRun | null = null;
  try {
    fetchOnly = await sim.run('fetch-only');
    fetchSame = await sim.run('fetch-same');
    collect = await sim.run('collect');
    if (values['sim-rerun']) {
      step('B3: re-running the simulator collection, with raw pages and without');
      simRerun = await sim.run('collect');
      simRerunNoRaw = await sim.run('collect', { WAREHOUSE_RAW_PAGES: 'off' });
    }
  } finally {
    await sim.close();
  }
  storage.rawPagesPerRun = await rawPagesPerRun(sql, SIM_DAY);

  step('B4: retention dropping the day');
  const retention = await benchRetention(sql, DAY, [...copies.flatMap((c) => c.tables)]);
  // The month-end B4 materialised is not one of B5's 24 generated months.
  await sql`drop table if exists rollup.month_end_devices_202601`;
  await sql`delete from rollup.month_end_counts where month = '2026-01-01'`;
  await sql`delete from rollup.month_end_sites where month = '2026-01-01'`;
  await sql`delete from rollup.month_ends where month = '2026-01-01'`;

  step('B5: generating 24 month-ends and timing bi.billing_monthly');
  const billing = await benchBilling(sql, SIM_DAY, await instanceOf('ninjaone', SIM_INSTANCE));

  const history = historyDays > 0 ? await historyRows(db.url) : null;

  const results: BenchResults = {
    devices, where: db.where, server: server?.version ?? '?', loadStart, loadEnd: loadavg()[0] ?? 0,
    elapsedMs: Date.now() - started, firstDay, publish, findings, night, copy, copies, rerun, others, daily, storage,
    fetchOnly, fetchSame, collect, simRerun, simRerunNoRaw, retention, billing, history,
  };
  printReport(results);
} finally {
  await sql.end({ timeout: 5 });
  await db.close();
}

/** H, B6, B7, B8: on a second scratch database of the same server, with `historyDays` of dailies. */
async function historyRows(serverUrl: string): Promise<HistoryRows> {
  step(`H: a second database with ${historyDays} days of history (${devices} devices per source)`);
  const hdb = await openHistoryDatabase(serverUrl, values.keep);
  const hsql = postgres(hdb.url, { max: 2, onnotice: () => {}, connection: { application_name: 'bench' } });
  try {
    const run = await buildHistory(hsql, hdb.url, devices, historyDays);
    step(`H: ${run.days.length} days in ${Math.round((run.publishMs + run.replicateMs + run.rollupMs) / 1000)} s (publish ${Math.round(run.publishMs)} ms, copy ${Math.round(run.replicateMs)} ms, nightly rollup ${Math.round(run.rollupMs)} ms)`);
    step('B6: the compliance workbook, estate and one site, 90 days');
    await quiesce(hsql);
    const compliance = await benchComplianceWorkbook(hsql, run.end);
    for (const c of compliance) step(`B6: ${c.scope}: workbook ${Math.round(c.ms)} ms, its bi reads ${Math.round(c.readMs)} ms`);
    step('B6: the alert evaluation');
    const alerts = await benchAlerts(hdb.url, run.end);
    step('B7: the dashboard pages over a socket');
    await quiesce(hsql);
    const pages = await benchDashboard(hsql, hdb.url);
    for (const p of pages) step(`B7: ${p.page}: p95 ${Math.round(p.p95)} ms, its reads ${Math.round(p.readsP95)} ms`);
    step('B8: the bi views, their typical filters and the README queries');
    await quiesce(hsql);
    const views = await benchViews(hdb.url);
    return { run, compliance, alerts, pages, ...views };
  } finally {
    await hsql.end({ timeout: 5 });
    await hdb.close();
  }
}

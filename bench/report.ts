/** The one table: each figure, its physical limit measured in the same run, the ratio and the target. */
import { renderTable } from '../bin/table.js';
import type { RunResult } from '../warehouse/run/runner.js';
import type { PublishRun } from './b1-publish.js';
import type { FindingsNight } from './b1-findings.js';
import type { SimulatorRun } from './b2-simulator.js';
import { SIM_PAGE_SIZE } from './b2-simulator.js';
import type { RetentionRun } from './b4-retention.js';
import type { BillingRun } from './b5-billing.js';
import type { ComplianceWorkbookRun } from './b6-compliance.js';
import type { AlertsRun } from './b6-alerts.js';
import type { PageRun } from './b7-dashboard.js';
import { VIEW_TIMEOUT_MS, type ExampleRun, type Timing, type ViewRun } from './b8-views.js';
import type { HistoryRun } from './history.js';
import type { DailyRollupRun } from './b5-rollup.js';
import { fmt, verdict, type Figure } from './measure.js';
import type { RawCopy } from './raw-copy.js';
import type { BareFetch } from './bare-fetch.js';
import { perRow, projectStorage, type DayStorage } from './storage.js';

export interface BenchResults {
  devices: number;
  where: string;
  server: string;
  loadStart: number;
  loadEnd: number;
  elapsedMs: number;
  firstDay: PublishRun;
  publish: PublishRun;
  findings: { ms: number; wal: number; open: number };
  /** The refresh on a night with 1 % churn, incremental and full. */
  night: FindingsNight;
  copy: RawCopy;
  copies: RawCopy[];
  rerun: PublishRun;
  others: PublishRun[];
  daily: DailyRollupRun;
  storage: DayStorage;
  fetchOnly: SimulatorRun;
  fetchSame: SimulatorRun;
  collect: SimulatorRun;
  simRerun: SimulatorRun | null;
  simRerunNoRaw: SimulatorRun | null;
  retention: RetentionRun;
  billing: BillingRun;
  /** The rows on the warehouse with history (bench/history.ts); null with --history-days 0. */
  history: HistoryRows | null;
}

export interface HistoryRows {
  run: HistoryRun;
  compliance: ComplianceWorkbookRun[];
  alerts: AlertsRun;
  pages: PageRun[];
  views: ViewRun[];
  examples: ExampleRun[];
  site: string;
  month: string;
}

const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

function b1(r: BenchResults): Figure[] {
  const { publish: p, copy: c, findings: f, night: n } = r;
  const rows = p.result.rows.devices + p.result.rows.patchStatus;
  const whole = (run: PublishRun): string => fmt.ms(run.ms);
  return [
    { id: 'B1', figure: `publish 1 source-day: ${fmt.int(p.result.rows.devices)} devices + ${fmt.int(p.result.rows.patchStatus)} patch rows`, measured: `${fmt.ms(p.ms)} (${fmt.rate(rows, p.ms)})`,
      limit: `raw COPY ${fmt.ms(c.ms)} (${fmt.rate(c.rows, c.ms)})`, ratio: `publish / raw COPY = ${fmt.ratio(p.ms, c.ms)}`, target: '<= 1.5x', met: p.ms <= 1.5 * c.ms },
    { id: 'B1', figure: 'phases: stage | gate+device days | patch+commit', measured: `${fmt.ms(p.stageMs)} | ${fmt.ms(p.deviceDaysMs)} | ${fmt.ms(p.restMs)}`,
      limit: `COPY devices ${fmt.ms(c.perTableMs[0] ?? 0)} + patch ${fmt.ms(c.perTableMs[1] ?? 0)}`, ratio: '', target: '', met: null },
    { id: 'B1', figure: 'publish WAL', measured: fmt.bytes(p.wal), limit: `raw COPY ${fmt.bytes(c.wal)}`, ratio: fmt.ratio(p.wal, c.wal), target: '', met: null },
    { id: 'B1', figure: '(first day: every device and site new)', measured: whole(r.firstDay), limit: `raw COPY ${fmt.ms(c.ms)}`, ratio: fmt.ratio(r.firstDay.ms, c.ms), target: '', met: null },
    { id: 'B1', figure: '(threatlocker | pmp: first run, same day)', measured: r.others.map(whole).join(' | '), limit: `raw COPY ${fmt.ms(c.ms)}`,
      ratio: r.others.map((o) => fmt.ratio(o.ms, c.ms)).join(' | '), target: '', met: null },
    { id: 'B1', figure: `(first findings refresh, 3 sources: ${fmt.int(f.open)} open, all new)`, measured: `${fmt.ms(f.ms)}, WAL ${fmt.bytes(f.wal)}`, limit: `raw COPY ${fmt.ms(c.ms)}`,
      ratio: fmt.ratio(f.ms, c.ms), target: '', met: null },
    { id: 'B1', figure: `nightly findings refresh, 1 % churn: ${fmt.int(n.incremental.result.changed)} devices changed, ${fmt.int(n.incremental.result.rematched)} re-matched (${n.incremental.result.mode})`,
      measured: `${fmt.ms(n.incremental.ms)}, WAL ${fmt.bytes(n.incremental.wal)}`, limit: `raw COPY ${fmt.ms(c.ms)}`,
      ratio: fmt.ratio(n.incremental.ms, c.ms), target: '<= 1x', met: n.incremental.result.mode === 'incremental' && n.incremental.ms <= c.ms },
    { id: 'B1', figure: '(the same night, full re-judgement: --full)', measured: `${fmt.ms(n.full.ms)}, WAL ${fmt.bytes(n.full.wal)}`, limit: `raw COPY ${fmt.ms(c.ms)}`,
      ratio: fmt.ratio(n.full.ms, c.ms), target: '', met: null },
  ];
}

function requestLine(run: SimulatorRun): string {
  return [...run.requestsByPath].map(([path, n]) => `${path.replace('/v2/', '').replace('queries/', 'q/')} ${n}`).join(', ');
}

function b2(r: BenchResults): Figure[] {
  const result = r.collect.child.outcome as RunResult;
  const expectedDevicePages = Math.ceil(r.devices / SIM_PAGE_SIZE) + 1;
  const devicePages = r.collect.requestsByPath.get('/v2/devices-detailed') ?? 0;
  const rows = result.rows.devices + result.rows.patchStatus;
  const fetchMs = r.fetchOnly.child.ms;
  const sameMs = r.fetchSame.child.ms;
  const bare = r.fetchSame.child.outcome as BareFetch;
  const p = result.phasesMs;
  const ms = (phase: string): number => p[phase] ?? 0;
  const sameRequests = requestLine(r.fetchSame) === requestLine(r.collect);
  return [
    { id: 'B2', figure: `HTTP simulator end to end: ${fmt.int(result.rows.devices)} devices`, measured: `${fmt.ms(r.collect.child.ms)}, ${fmt.rate(result.rows.devices, r.collect.child.ms)}`,
      limit: `same ${fmt.int(r.fetchSame.requests)} requests, bare ${fmt.ms(sameMs)}`, ratio: fmt.ratio(r.collect.child.ms, sameMs), target: '<= 2x', met: r.collect.child.ms <= 2 * sameMs },
    { id: 'B2', figure: 'phases: HTTP wait | JSON parse | mapping', measured: `${fmt.ms(ms('http') - ms('json_parse'))} | ${fmt.ms(ms('json_parse'))} | ${fmt.ms(ms('mapping'))}`,
      limit: `bare ${fmt.ms(bare.httpMs)} | ${fmt.ms(bare.parseMs)} | -`, ratio: fmt.ratio(ms('http') - ms('json_parse'), bare.httpMs), target: '', met: null },
    { id: 'B2', figure: 'phases: raw.pages (collector blocked) | staging COPY | gate | publish',
      measured: `${fmt.ms(ms('raw_pages'))} (${fmt.ms(ms('raw_pages_blocked'))}) | ${fmt.ms(ms('staging_copy'))} | ${fmt.ms(ms('gate'))} | ${fmt.ms(ms('publish'))}`,
      limit: '', ratio: '', target: '', met: null },
    { id: 'B2', figure: 'CPU: collector | simulator', measured: `${fmt.ms(r.collect.child.cpuMs)} | ${fmt.ms(r.collect.simulatorCpuMs)}`,
      limit: `bare ${fmt.ms(r.fetchSame.child.cpuMs)} | ${fmt.ms(r.fetchSame.simulatorCpuMs)}`, ratio: '', target: '', met: null },
    { id: 'B2', figure: '(fetch device pages only)', measured: fmt.ms(fetchMs), limit: '', ratio: `end to end ${fmt.ratio(r.collect.child.ms, fetchMs)}`, target: '', met: null },
    { id: 'B2', figure: 'bare client made the same requests per endpoint', measured: sameRequests ? 'yes' : `no: ${requestLine(r.fetchSame)}`, limit: '', ratio: '', target: 'yes', met: sameRequests },
    { id: 'B2', figure: `requests, pageSize ${SIM_PAGE_SIZE} (per endpoint below)`, measured: `${fmt.int(r.collect.requests)}, of which devices ${devicePages}`,
      limit: `ceil(N/pageSize) = ${fmt.int(Math.ceil(r.devices / SIM_PAGE_SIZE))}`, ratio: '', target: 'ceil(N/pageSize) + c', met: devicePages === expectedDevicePages },
    { id: 'B2', figure: 'collector peak RSS (own process)', measured: `${mb(r.collect.child.maxRss)} (${mb(r.collect.child.startRss)} at start)`,
      limit: `fetch-only child ${mb(r.fetchOnly.child.maxRss)}`, ratio: '', target: '< 512 MB', met: r.collect.child.maxRss < 512 * 1024 * 1024 },
    { id: 'B2', figure: `rows/s, devices + ${fmt.int(result.rows.patchStatus)} patch rows`, measured: fmt.rate(rows, r.collect.child.ms), limit: `raw COPY ${fmt.rate(r.copy.rows, r.copy.ms)}`,
      ratio: fmt.ratio(r.copy.rows / r.copy.ms, rows / r.collect.child.ms), target: '', met: null },
  ];
}

function b3(r: BenchResults): Figure[] {
  const { rerun: p, copy: c } = r;
  const figures: Figure[] = [
    { id: 'B3', figure: 're-run, identical rows: rows rewritten', measured: fmt.int(p.result.rows.changed), limit: '0', ratio: '', target: '0', met: p.result.rows.changed === 0 },
    { id: 'B3', figure: 're-run: WAL per device row', measured: `${fmt.int(p.wal / p.result.rows.devices)} B (${fmt.bytes(p.wal)})`,
      limit: `raw COPY ${fmt.int(c.wal / (c.rows / 2))} B`, ratio: fmt.ratio(p.wal, c.wal), target: '< 100 B', met: p.wal / p.result.rows.devices < 100 },
    { id: 'B3', figure: 're-run: time', measured: fmt.ms(p.ms), limit: `raw COPY ${fmt.ms(c.ms)}`, ratio: fmt.ratio(p.ms, c.ms), target: '', met: null },
  ];
  for (const [label, run] of [['raw pages kept', r.simRerun], ['raw pages off', r.simRerunNoRaw]] as const) {
    if (!run) continue;
    const result = run.child.outcome as RunResult;
    figures.push({ id: 'B3', figure: `simulator re-run, ${label}: rewritten | WAL/device | time`,
      measured: `${fmt.int(result.rows.changed)} | ${fmt.int(run.wal / result.rows.devices)} B | ${fmt.ms(run.child.ms)}`,
      limit: label === 'raw pages kept' ? `raw pages ~${fmt.int((r.storage.rawPagesPerRun ?? 0) / result.rows.devices)} B/device` : '',
      ratio: '', target: '', met: null });
  }
  return figures;
}

function b4b5(r: BenchResults): Figure[] {
  const { retention: t, daily: d, billing: b } = r;
  return [
    { id: 'B4', figure: `retention: drop 1 day, ${fmt.int(t.rows)} device rows`, measured: `${fmt.ms(t.ms)}, WAL ${fmt.bytes(t.wal)}`,
      limit: `DROP TABLE x${t.floorTables.length}, unattached ${fmt.ms(t.floorMs)}`, ratio: fmt.ratio(t.ms, t.floorMs), target: '< 1 s', met: t.ms < 1000 },
    { id: 'B4', figure: `(month-end materialised first: ${fmt.int(t.monthEndRows)} rows)`, measured: fmt.ms(t.monthEndMs), limit: '', ratio: '', target: '', met: null },
    { id: 'B5', figure: `daily rollup of ${fmt.int(d.deviceDays)} device days`, measured: fmt.ms(d.ms),
      limit: `bare count scan ${fmt.ms(d.floorMs)}`, ratio: fmt.ratio(d.ms, d.floorMs), target: '< 1 s', met: d.ms < 1000 },
    { id: 'B5', figure: '(nightly ANALYZE of the day, planned columns)', measured: fmt.ms(d.analyzeMs), limit: '', ratio: '', target: '', met: null },
    { id: 'B5', figure: `bi.billing_monthly, ${b.months} months, ${fmt.int(b.resultRows)} rows`,
      measured: `p95 ${fmt.ms(b.p95)} (n=${b.samples})`, limit: `same rows from a table ${fmt.ms(b.floorP95)}`, ratio: fmt.ratio(b.p95, b.floorP95), target: 'p95 < 100 ms', met: b.p95 < 100 },
    { id: 'B5', figure: `bi.billing_monthly, one month, ${fmt.int(b.monthRows)} rows`, measured: `p95 ${fmt.ms(b.monthP95)}`,
      limit: `same rows from a table ${fmt.ms(b.monthFloorP95)}`, ratio: fmt.ratio(b.monthP95, b.monthFloorP95), target: 'p95 < 100 ms', met: b.monthP95 < 100 },
    { id: 'B5', figure: `bi.billing_monthly, one site, ${fmt.int(b.siteRows)} months`, measured: `p95 ${fmt.ms(b.siteP95)}`,
      limit: `same rows from a table ${fmt.ms(b.siteFloorP95)}`, ratio: fmt.ratio(b.siteP95, b.siteFloorP95), target: 'p95 < 100 ms', met: b.siteP95 < 100 },
  ];
}

function storage(r: BenchResults): Figure[] {
  const s = r.storage;
  const project = projectStorage(s, r.billing.perRowBytes, r.devices, 3);
  const split = (p: DayStorage['deviceDays']): string => `${fmt.int(p.heap / p.rows)} B heap + ${fmt.int(p.indexes / p.rows)} B indexes`;
  return [
    { id: 'S', figure: 'storage per device-day: device_days', measured: `${fmt.int(perRow(s.deviceDays))} B`, limit: split(s.deviceDays), ratio: '', target: '', met: null },
    { id: 'S', figure: 'storage per device-day: patch_status', measured: `${fmt.int(perRow(s.patchStatus))} B`, limit: split(s.patchStatus), ratio: '', target: '', met: null },
    { id: 'S', figure: 'storage per month-end device row', measured: `${fmt.int(r.billing.perRowBytes)} B`, limit: '', ratio: '', target: '', met: null },
    { id: 'S', figure: `65 dailies + 24 month-ends, 3 x ${fmt.int(r.devices)}`, measured: fmt.bytes(project.dailies + project.monthEnds),
      limit: `${fmt.bytes(project.dailies)} + ${fmt.bytes(project.monthEnds)}; raw pages +${fmt.bytes(project.raw)}`, ratio: '', target: '', met: null },
  ];
}

/** H: how the history was made (not a target). */
function history(r: BenchResults, h: HistoryRows): Figure[] {
  const { run } = h;
  return [
    { id: 'H', figure: `history: ${run.days.length} days (${run.days[0]} to ${run.end}) x 3 sources x ${fmt.int(r.devices)}, month-ends ${run.months.join(', ') || 'none'}`,
      measured: fmt.ms(run.publishMs + run.replicateMs + run.rollupMs), limit: `publish ${fmt.ms(run.publishMs)} | copy ${fmt.ms(run.replicateMs)} | nightly rollup ${fmt.ms(run.rollupMs)}`,
      ratio: '', target: '', met: null },
    { id: 'H', figure: 'history rows: device days | patch rows | open findings', measured: `${fmt.int(run.deviceDays)} | ${fmt.int(run.patchRows)} | ${fmt.int(run.openFindings)}`,
      limit: '', ratio: '', target: '', met: null },
  ];
}

/** B6: the workbook against its own bi reads; targets 30 s for the estate, 10 s for one site (issue 18). Then the alert evaluation. */
function b6(h: HistoryRows): Figure[] {
  const workbooks = h.compliance.map((c): Figure => {
    const estate = c.scope === 'estate';
    const limit = estate ? 30_000 : 10_000;
    return {
      id: 'B6', figure: `compliance workbook, ${estate ? 'estate' : 'one site'}, 90 days (${c.checks} checks, ${c.days} day(s) held, ${fmt.bytes(c.bytes)})`,
      measured: fmt.ms(c.ms), limit: `the same bi reads ${fmt.ms(c.readMs)}`, ratio: fmt.ratio(c.ms, c.readMs),
      target: `< ${limit / 1000} s`, met: c.ms < limit,
    };
  });
  const a = h.alerts;
  return [...workbooks,
    { id: 'B6', figure: `alert evaluation, same day again (${a.open} open; first ${fmt.ms(a.firstMs)})`, measured: `p95 ${fmt.ms(a.p95)} (n=${a.n})`,
      limit: `its ${a.reads} reads alone ${fmt.ms(a.readsP95)}`, ratio: fmt.ratio(a.p95, a.readsP95), target: '', met: null }];
}

/** B7: each dashboard page over a socket against its bi reads alone; target p95 < 300 ms (issue 19). */
function b7(h: HistoryRows): Figure[] {
  return h.pages.map((p) => ({
    id: 'B7', figure: `serve ${p.page}${p.status === 200 ? '' : ` (HTTP ${p.status})`} (${fmt.bytes(p.bytes)})`, measured: `p95 ${fmt.ms(p.p95)} (n=${p.n})`,
    limit: `its ${p.statements} bi reads alone ${fmt.ms(p.readsP95)}`, ratio: fmt.ratio(p.p95, p.readsP95), target: 'p95 < 300 ms', met: p.status === 200 && p.p95 < 300,
  }));
}

const stopped = `> ${VIEW_TIMEOUT_MS / 1000} s (stopped)`;
const p95 = (t: Timing | null): string => (t === null ? stopped : `p95 ${fmt.ms(t.p95)}, ${fmt.int(t.rows)} rows`);

/** B8: every bi view, its typical filters and the whole view, and the README's example queries (issue 23). */
function b8(h: HistoryRows): Figure[] {
  const figures: Figure[] = [];
  for (const v of h.views) {
    figures.push({ id: 'B8', figure: `bi.${v.view}, whole view`, measured: v.full.ms === null ? stopped : `${fmt.ms(v.full.ms)}, ${fmt.int(v.full.rows)} rows`,
      limit: v.full.tableMs === null ? '' : `same rows from a table ${fmt.ms(v.full.tableMs)}`,
      ratio: v.full.ms === null || v.full.tableMs === null ? '' : fmt.ratio(v.full.ms, v.full.tableMs), target: '< 2 s', met: v.full.ms !== null && v.full.ms < 2000 });
    for (const f of v.filters) {
      figures.push({ id: 'B8', figure: `bi.${v.view}, ${f.label}`, measured: p95(f.view), limit: f.table === null ? '' : `same rows from a table ${fmt.ms(f.table.p95)}`,
        ratio: f.view === null || f.table === null ? '' : fmt.ratio(f.view.p95, f.table.p95), target: 'p95 < 250 ms', met: f.view !== null && f.view.p95 < 250 });
    }
  }
  for (const e of h.examples) {
    figures.push({ id: 'B8', figure: `README: ${e.label.slice(0, 70)}`, measured: e.error ? `error: ${e.error.slice(0, 60)}` : p95(e.view),
      limit: e.table === null ? '' : `on the tables ${fmt.ms(e.table.p95)}`, ratio: e.view === null || e.table === null ? '' : fmt.ratio(e.view.p95, e.table.p95),
      target: 'p95 < 250 ms', met: e.view !== null && e.view.p95 < 250 });
  }
  return figures;
}

export function printReport(r: BenchResults): void {
  const h = r.history;
  const figures = [...b1(r), ...b2(r), ...b3(r), ...b4b5(r), ...storage(r), ...(h ? [...history(r, h), ...b6(h), ...b7(h), ...b8(h)] : [])];
  const rows = figures.map((f) => ({ '#': f.id, figure: f.figure, measured: f.measured, 'physical limit (same run)': f.limit, ratio: f.ratio, target: f.target, result: verdict(f.met) }));
  process.stdout.write(`\nwarehouse bench: ${fmt.int(r.devices)} devices per source, PostgreSQL ${r.server}, ${r.where}
load average ${r.loadStart.toFixed(1)} at start, ${r.loadEnd.toFixed(1)} at end; ${fmt.ms(r.elapsedMs)} in all
\n${renderTable(rows)}
requests per endpoint: ${requestLine(r.collect)}; devices-detailed is ceil(${fmt.int(r.devices)}/${SIM_PAGE_SIZE}) + 1 (the empty page that ends a list)
B1 raw COPY runs ${r.copies.map((c) => fmt.ms(c.ms)).join(' and ')} (the faster is the limit);
B2 phases: fetch+stage ${phases(r.collect)}; CPU over ${fmt.ms(r.collect.child.ms)} wall: collector ${fmt.ms(r.collect.child.cpuMs)}, simulator ${fmt.ms(r.collect.simulatorCpuMs)} (the rest is PostgreSQL and waiting); month-end generation for B5 ${fmt.ms(r.billing.generateMs)} (${fmt.int(r.billing.monthEndRows)} rows).
${h ? `H..B8 read a second database with ${h.run.days.length} days of history (the workbook's 90 days are bounded by the 65-day retention of the dailies); B8's largest client is ${h.site}, its latest month ${h.month}.\n` : ''}`);
}

/** fetch+stage | gate+device days | patch, commit and closing the run, from the child's marks. */
function phases(run: SimulatorRun): string {
  const [staged = 0, devices = 0] = (run.child.outcome as { marks?: number[] }).marks ?? [];
  return `${fmt.ms(staged)} | gate+device days ${fmt.ms(devices - staged)} | patch+commit+close ${fmt.ms(run.child.ms - devices)}`;
}

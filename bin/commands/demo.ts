/**
 * `npm start`: the embedded database, the three vendor simulators and N days of history ending
 * today, rolled up (daily counts, month-ends) and trimmed by retention like a real nightly, then a
 * summary an MSP can read. Always the embedded database: the demo never writes into a DATABASE_URL
 * that may be production.
 */
import { applyRetention, loadRetentionPolicy, planRetention } from '../../rollups/retention.js';
import { daysOf, nightlyRollup } from '../../rollups/run.js';
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import { openDatabase } from '../../warehouse/db.js';
import { EXIT, WarehouseError } from '../../warehouse/errors.js';
import { createLogger } from '../../warehouse/log.js';
import { writeMetricsFile } from '../../warehouse/metrics.js';
import { acknowledgeException } from '../../warehouse/matching/exceptions.js';
import { migrate } from '../../warehouse/migrate.js';
import { addDays, todayIn } from '../../warehouse/time.js';
import { parse, positiveInt } from '../args.js';
import { withDatabase } from '../database.js';
import { createProgress } from '../progress.js';
import { collectHistory } from './demo-collect.js';
import { printDemoSummary, type HistoryFacts } from './demo-summary.js';
import type { Verb } from '../verbs.js';

export const demoCommand: Verb = {
  summary: 'Embedded DB + simulators + N days of history ending today, then the summary',
  help: `usage: warehouse demo [--days N] [--devices N] [--seed S]

Starts the embedded database (in $${KEY.home.name}, default ${KEY.home.default}), migrates it, starts the
NinjaOne, ThreatLocker and Patch Manager Plus simulators, collects N days of history ending today
(default 75 days, 250 devices per vendor), rolls them up (daily counts, month-ends of ended months),
applies retention, and prints this month against last month per client, the top compliance
failures, the coverage gaps, how to connect with psql and how to open the dashboard (\`warehouse serve\`,
http://127.0.0.1:8080/). Takes about a minute at the default size.
Re-running is safe: each day is re-published idempotently. Raw vendor pages are kept only when
WAREHOUSE_RAW_PAGES=on is set (the demo skips them by default, to stay quick).`,
  async run(argv) {
    const { values } = parse('demo', argv, { days: { type: 'string' }, devices: { type: 'string' }, seed: { type: 'string' } });
    const days = positiveInt(values.days, '--days', 75);
    const devices = positiveInt(values.devices, '--devices', 250);
    const seed = positiveInt(values.seed, '--seed', 42);
    const { DATABASE_URL: ignored, ...env } = process.env;
    if (ignored) process.stderr.write('note: the demo ignores DATABASE_URL and uses the embedded database\n');
    const config = loadWarehouseConfig(env);
    const tty = Boolean(process.stderr.isTTY);
    // On a terminal the progress line speaks; otherwise a few JSON lines, and per-run lines only on trouble.
    const log = createLogger({ level: tty ? 'warn' : 'info' });
    const runLog = log.child({}, { level: 'warn' });
    const progress = createProgress(tty);
    // A phase without a count: one rewritten stderr line, like the progress line it precedes.
    const phase = (label: string) => { if (tty) process.stderr.write(`\r\x1b[2K${label} ...`); };
    const today = todayIn(config.timeZone);
    const first = addDays(today, -(days - 1));
    const started = Date.now();
    const say = (message: string) => (tty ? process.stderr.write(`${message}\n`) : log.info(message));
    say(`demo: ${days} days (${first} to ${today}), ${devices} devices per vendor, data in ${config.home}`);
    const rawPages = config.rawPages === 'on' ? 'on' : 'off';
    phase('starting the embedded database');
    const { history, facts } = await withDatabase(config, async (url) => {
      phase('migrating the embedded database');
      await migrate(url, log.child({}, { level: 'warn' }));
      const collected = await collectHistory({
        url, first, days, devices, seed, log: runLog, progress, siteSource: config.siteSource,
        env: { WAREHOUSE_TIMEZONE: config.timeZone, WAREHOUSE_HOME: config.home, WAREHOUSE_RAW_PAGES: rawPages },
      });
      progress.done(`collected ${days} days from 3 vendors (${collected.runs} runs) in ${seconds(started)} s`);
      const facts = await rollupAndRetain(url, first, today, config.reader, phase, progress);
      log.info({ runs: collected.runs, failures: collected.failures.length, ...facts, seconds: seconds(started) }, 'demo history built');
      progress.done();
      await printDemoSummary(url, facts, config.siteSource);
      if (config.metricsFile) {
        await writeMetricsFile(url, config.metricsFile).catch((error: unknown) => {
          process.stderr.write(`warehouse: could not write ${config.metricsFile}: ${(error as Error).message}\n`);
        });
      }
      return { history: collected, facts };
    });
    process.stdout.write(`
How to connect with psql (the embedded database keeps its data in ${config.home}):
  npx warehouse db start            # keep it running
  psql "$(npx warehouse db url)"    # then e.g.  \\dv+ bi.*   select * from bi.billing_monthly;
  npx warehouse status              # collection health; exits non-zero when a source is stale
  npx warehouse serve               # the dashboard at http://127.0.0.1:8080/ (read only; Ctrl-C stops it)
${facts.lastMonth ? `  npx warehouse export billing --month ${facts.lastMonth} --format xlsx   # last month's seats and devices, for invoices\n` : ''}  npx warehouse db stop             # when done
`);
    say(`demo: done in ${seconds(started)} s`);
    if (history.failures.length > 0) {
      throw new WarehouseError('ERR_DEMO', EXIT.internal, `${history.failures.length} demo runs did not succeed: ${history.failures.slice(0, 3).join('; ')}`, 'See the log lines above; this is a bug in the demo or a simulator.');
    }
    return EXIT.ok;
  },
};

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 100) / 10;
}

/** What a nightly does after collecting: daily counts, month-ends and findings for every day, then retention. */
async function rollupAndRetain(url: string, first: string, today: string, reader: Parameters<typeof loadRetentionPolicy>[0], phase: (label: string) => void, progress: ReturnType<typeof createProgress>): Promise<HistoryFacts> {
  const { sql, close } = openDatabase(url, { applicationName: 'rollup:demo', max: 2 });
  try {
    phase('rolling up daily counts and month-ends, matching devices across vendors');
    const rolled = await nightlyRollup(sql, daysOf(first, today), { today });
    await acknowledgeOneFinding(sql);
    phase('applying retention');
    const policy = loadRetentionPolicy(reader);
    const retained = await applyRetention(sql, await planRetention(sql, today, policy), policy);
    progress.done(`rolled up ${rolled.days} days, month-ends of ${rolled.months.map((m) => m.month).join(', ') || 'no ended month'}; retention dropped ${retained.dropped.length} partitions`);
    const months = rolled.months.map((m) => m.month).sort();
    return {
      today, first, monthEnds: months, lastMonth: months[months.length - 1],
      droppedDaily: retained.dropped.filter((name) => /^(core\.device_days|core\.patch_status|rollup\.daily_counts)_/u.test(name)).length,
      droppedRaw: retained.dropped.filter((name) => name.startsWith('raw.')).length,
      dailyDays: policy.dailyDays, rawDays: policy.rawDays, monthEndMonths: policy.monthEndMonths,
    };
  } finally {
    await close();
  }
}

/** The operator's side of a finding's history: the longest-open missing agent, accepted with a reason. */
async function acknowledgeOneFinding(sql: Parameters<typeof acknowledgeException>[0]): Promise<void> {
  const [oldest] = await sql<{ id: number }[]>`
    select exception_id::int as id from core.exceptions
    where kind = 'no_threatlocker' and status in ('open', 'acknowledged')
    order by first_seen_on, exception_id limit 1`;
  if (oldest) await acknowledgeException(sql, oldest.id, 'demo: kiosk PC, the client waived allowlisting until it is replaced (ticket 4711)');
}

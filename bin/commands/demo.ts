/**
 * `npm start`: the embedded database, the three vendor simulators and N days of history ending
 * today, then a summary an MSP can read. Always the embedded database: the demo never writes into
 * a DATABASE_URL that may be production.
 */
import { SOURCES } from '../../collectors/registry.js';
import { runCollect } from '../../collectors/shared/runner.js';
import type { Simulator } from '../../collectors/shared/simulator.js';
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT, WarehouseError } from '../../warehouse/errors.js';
import { createLogger } from '../../warehouse/log.js';
import { migrate } from '../../warehouse/migrate.js';
import { addDays, todayIn } from '../../warehouse/time.js';
import { parse, positiveInt } from '../args.js';
import { withDatabase } from '../database.js';
import { createProgress } from '../progress.js';
import { printDemoSummary } from './demo-summary.js';
import type { Verb } from '../verbs.js';

export const demoCommand: Verb = {
  summary: 'Embedded DB + simulators + N days of history ending today, then the summary',
  help: `usage: warehouse demo [--days N] [--devices N] [--seed S]

Starts the embedded database (in $WAREHOUSE_HOME, default ./.warehouse), migrates it, starts the
NinjaOne, ThreatLocker and Patch Manager Plus simulators, collects N days of history ending today
(default 75 days, 250 devices per vendor), and prints the summary and how to connect with psql.
Re-running is safe: each day is re-published idempotently.`,
  async run(argv) {
    const { values } = parse('demo', argv, { days: { type: 'string' }, devices: { type: 'string' }, seed: { type: 'string' } });
    const days = positiveInt(values.days, '--days', 75);
    const devices = positiveInt(values.devices, '--devices', 250);
    const seed = positiveInt(values.seed, '--seed', 42);
    const { DATABASE_URL: ignored, ...env } = process.env;
    if (ignored) process.stderr.write('note: the demo ignores DATABASE_URL and uses the embedded database\n');
    const config = loadWarehouseConfig(env);
    const log = createLogger({ level: process.stdout.isTTY ? 'warn' : 'info' });
    const today = todayIn(config.timeZone);
    const first = addDays(today, -(days - 1));
    const progress = createProgress();
    process.stderr.write(`demo: ${days} days (${first} to ${today}), ${devices} devices per vendor, data in ${config.home}\n`);
    const failures: string[] = [];
    await withDatabase(config, async (url) => {
      await migrate(url, log);
      const simulators: Array<[string, Simulator]> = [];
      try {
        for (const source of Object.values(SOURCES)) simulators.push([source.name, await source.simulator({ devices, seed, date: first })]);
        for (let i = 0; i < days; i += 1) {
          const day = addDays(first, i);
          for (const [name, simulator] of simulators) {
            if (i > 0) simulator.setDay(day);
            progress.update(`collecting ${day} ${name}`, i * simulators.length + simulators.findIndex(([n]) => n === name) + 1, days * simulators.length);
            const source = SOURCES[name as keyof typeof SOURCES];
            const result = await runCollect({
              source, env: { ...simulator.config, WAREHOUSE_TIMEZONE: config.timeZone, WAREHOUSE_HOME: config.home }, databaseUrl: url, date: day, log,
            });
            if (result.exitCode !== EXIT.ok) failures.push(`${day} ${name}: ${result.status}${result.error ? ` (${result.error.message})` : ''}`);
          }
        }
        progress.done(`collected ${days} days from ${simulators.length} vendors`);
        await printDemoSummary(url);
      } finally {
        for (const [, simulator] of simulators) await simulator.close();
      }
    });
    process.stdout.write(`
Connect with psql (the embedded database keeps its data in ${config.home}):
  npx warehouse db start
  psql "$(npx warehouse db url)"
  -- e.g.  select * from bi.collection_health;   \\dv+ bi.*
Stop it with: npx warehouse db stop
`);
    if (failures.length > 0) {
      throw new WarehouseError('ERR_DEMO', EXIT.internal, `${failures.length} demo runs did not succeed: ${failures.slice(0, 3).join('; ')}`, 'See the log lines above; this is a bug in the demo or a simulator.');
    }
    return EXIT.ok;
  },
};

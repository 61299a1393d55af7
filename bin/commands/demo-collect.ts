/**
 * The demo's history: the three vendor simulators, collected day by day through the real runner.
 *
 * Pipelined to fit the 2-minute budget on two cores: at each step the site-defining source
 * (WAREHOUSE_SITE_SOURCE, NinjaOne by default) collects day d while the others collect day d-1. It
 * therefore always publishes a day before the others map their organisations onto its sites,
 * exactly as the nightly order would, and the three runs of a step never touch the same source-day. Partitions for every
 * day are created up front so that concurrent runs never race to create the same one.
 *
 * Every few days the step is split so that all three vendors stand on the same day, and the
 * cross-vendor findings are refreshed there, as a real nightly does after its last collector: the
 * findings then carry a history (first seen over the whole span, some resolved by the fleet's churn)
 * instead of all being first seen on the final day.
 */
import type { Logger } from 'pino';
import { SOURCES } from '../../collectors/registry.js';
import { runCollect } from '../../warehouse/run/runner.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import type { SourceName } from '../../warehouse/run/source.js';
import { WAREHOUSE_KEY_TABLE } from '../../warehouse/config-table.js';
import { openDatabase } from '../../warehouse/db.js';
import { refreshExceptions } from '../../warehouse/matching/exceptions.js';
import { EXIT } from '../../warehouse/errors.js';
import { addDays } from '../../warehouse/time.js';
import type { Progress } from '../progress.js';

export interface HistoryOptions {
  url: string;
  first: string;
  days: number;
  devices: number;
  seed: number;
  /** Config keys every run gets (time zone, home, raw pages). */
  env: Record<string, string>;
  /** The source whose organisations create sites (WAREHOUSE_SITE_SOURCE): it leads; every run is told. */
  siteSource?: SourceName;
  log: Logger;
  progress: Progress;
  /** The day each run takes as today (default the clock's, in WAREHOUSE_TIMEZONE): a test chooses its own. */
  today?: string;
}

export interface HistoryResult { runs: number; failures: string[]; devices: Record<string, number> }

/** Findings are refreshed on every this many days of history (and by the final nightly rollup). */
export const FINDINGS_EVERY_DAYS = 4;

export async function collectHistory(options: HistoryOptions): Promise<HistoryResult> {
  const { url, first, days, log, progress } = options;
  // The site-defining source leads by one day; the others follow it.
  const leader = options.siteSource ?? WAREHOUSE_KEY_TABLE.siteSource.default;
  await createPartitions(url, first, days);
  const simulators = new Map<SourceName, Simulator>();
  const failures: string[] = [];
  const devices: Record<string, number> = {};
  let runs = 0;
  const total = days * Object.keys(SOURCES).length;
  try {
    for (const source of Object.values(SOURCES)) {
      simulators.set(source.name, await source.simulator({ devices: options.devices, seed: options.seed, date: first }));
    }
    const followers = [...simulators.keys()].filter((name) => name !== leader);
    const collect = async (name: SourceName, index: number): Promise<void> => {
      const simulator = simulators.get(name) as Simulator;
      const day = addDays(first, index);
      if (index > 0) simulator.setDay(day);
      // A past day is honest here: the simulator serves that day's fleet, not today's.
      const result = await runCollect({ source: SOURCES[name], env: { ...options.env, WAREHOUSE_SITE_SOURCE: leader, ...simulator.config }, databaseUrl: url, date: day, acceptPastDate: true, log, ...(options.today ? { today: options.today } : {}) });
      runs += 1;
      devices[name] = result.rows.devices;
      if (result.exitCode !== EXIT.ok) failures.push(`${day} ${name}: ${result.status}${result.error ? ` (${result.error.message})` : ''}`);
      progress.update(`collecting ${day}`, runs, total);
    };
    for (let step = 0; step <= days; step += 1) {
      const leads = step < days && simulators.has(leader);
      const follows = step > 0 ? followers.map((name) => () => collect(name, step - 1)) : [];
      // On a findings day the followers catch up first, so every vendor stands on day step-1.
      const findingsDay = step > 0 && step < days && step % FINDINGS_EVERY_DAYS === 0;
      if (findingsDay) {
        await settle(follows.map((run) => run()));
        await refreshFindings(url);
        if (leads) await settle([collect(leader, step)]);
      } else {
        await settle([...(leads ? [collect(leader, step)] : []), ...follows.map((run) => run())]);
      }
      if (step > 0) log.debug({ day: addDays(first, step - 1) }, 'demo day collected');
    }
  } finally {
    for (const simulator of simulators.values()) await simulator.close();
  }
  return { runs, failures, devices };
}

/** Settle every run of a step before failing, so no run outlives the simulators it talks to. */
async function settle(work: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function refreshFindings(url: string): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:demo', max: 1 });
  try {
    await refreshExceptions(sql);
  } finally {
    await close();
  }
}

async function createPartitions(url: string, first: string, days: number): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:demo', max: 1 });
  try {
    await sql`select core.ensure_partitions(d::date) from generate_series(${first}::date, ${addDays(first, days - 1)}::date, interval '1 day') as d`;
  } finally {
    await close();
  }
}

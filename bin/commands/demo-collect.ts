/**
 * The demo's history: the three vendor simulators, collected day by day through the real runner.
 *
 * Pipelined to fit the 2-minute budget on two cores: at each step NinjaOne collects day d while
 * ThreatLocker and PMP collect day d-1. NinjaOne (the site-defining source) therefore always
 * publishes a day before the others map their organisations onto its sites, exactly as the nightly
 * order would, and the three runs of a step never touch the same source-day. Partitions for every
 * day are created up front so that concurrent runs never race to create the same one.
 */
import type { Logger } from 'pino';
import { SOURCES } from '../../collectors/registry.js';
import { runCollect } from '../../collectors/shared/runner.js';
import type { Simulator } from '../../collectors/shared/simulator.js';
import type { SourceName } from '../../collectors/shared/source.js';
import { openDatabase } from '../../warehouse/db.js';
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
  log: Logger;
  progress: Progress;
}

export interface HistoryResult { runs: number; failures: string[]; devices: Record<string, number> }

/** The site-defining source leads by one day; the others follow it. */
const LEADER: SourceName = 'ninjaone';

export async function collectHistory(options: HistoryOptions): Promise<HistoryResult> {
  const { url, first, days, log, progress } = options;
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
    const followers = [...simulators.keys()].filter((name) => name !== LEADER);
    const collect = async (name: SourceName, index: number): Promise<void> => {
      const simulator = simulators.get(name) as Simulator;
      const day = addDays(first, index);
      if (index > 0) simulator.setDay(day);
      // A past day is honest here: the simulator serves that day's fleet, not today's.
      const result = await runCollect({ source: SOURCES[name], env: { ...options.env, ...simulator.config }, databaseUrl: url, date: day, acceptPastDate: true, log });
      runs += 1;
      devices[name] = result.rows.devices;
      if (result.exitCode !== EXIT.ok) failures.push(`${day} ${name}: ${result.status}${result.error ? ` (${result.error.message})` : ''}`);
      progress.update(`collecting ${day}`, runs, total);
    };
    for (let step = 0; step <= days; step += 1) {
      const work: Array<Promise<void>> = [];
      if (step < days && simulators.has(LEADER)) work.push(collect(LEADER, step));
      if (step > 0) for (const name of followers) work.push(collect(name, step - 1));
      // Settle every run of the step before failing, so no run outlives the simulators it talks to.
      const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (step > 0) log.debug({ day: addDays(first, step - 1) }, 'demo day collected');
    }
  } finally {
    for (const simulator of simulators.values()) await simulator.close();
  }
  return { runs, failures, devices };
}

async function createPartitions(url: string, first: string, days: number): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:demo', max: 1 });
  try {
    await sql`select core.ensure_partitions(d::date) from generate_series(${first}::date, ${addDays(first, days - 1)}::date, interval '1 day') as d`;
  } finally {
    await close();
  }
}

/**
 * B2 (and B3 on the real path): NinjaOne end to end through its HTTP simulator. The simulator runs
 * here; each collection runs in a child process (bench/collect-child.ts) so the peak RSS reported
 * is the collector's, not the simulator's. Requests are counted by the simulator, per endpoint.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import type { RunResult } from '../warehouse/run/runner.js';
import { SOURCES } from '../collectors/registry.js';
import { withWal } from './measure.js';
import type { BareFetch } from './bare-fetch.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SIM_PAGE_SIZE = 1000;
export const SIM_INSTANCE = 'bench-sim';

/** collect: the real run; fetch-same: its requests made by a bare client (the limit); fetch-only: the device pages alone. */
export type ChildMode = 'collect' | 'fetch-same' | 'fetch-only';

export interface ChildReport {
  ms: number;
  startRss: number;
  peakSampledRss: number;
  maxRss: number;
  /** CPU the collector process used (user + system), start-up included. */
  cpuMs: number;
  outcome: RunResult | BareFetch;
}

export interface SimulatorRun {
  child: ChildReport;
  wal: number;
  requestsByPath: Map<string, number>;
  requests: number;
  /** CPU this process (the simulator, nothing else runs here meanwhile) used during the run. */
  simulatorCpuMs: number;
}

function runChild(input: object): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'bench/collect-child.ts'), JSON.stringify(input)], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`collect child exited ${code}: ${err.trim().slice(-500)}`));
      else resolve(JSON.parse(last) as ChildReport);
    });
  });
}

export interface SimulatorBench {
  /** One collection (or fetch-only pass) of the simulated day in a child process. */
  run(mode: ChildMode, extraEnv?: Record<string, string>): Promise<SimulatorRun>;
  close(): Promise<void>;
}

export async function startSimulatorBench(sql: Sql, url: string, devices: number, day: string): Promise<SimulatorBench> {
  const sim = await SOURCES.ninjaone.simulator({ devices, seed: 7, date: day });
  const log = sim as unknown as { requests(): Array<{ path: string }>; resetRequestLog(): void };
  const env = { ...sim.config, NINJAONE_PAGE_SIZE: String(SIM_PAGE_SIZE), NINJAONE_REQUEST_BUDGET: '1000000', WAREHOUSE_TIMEZONE: 'UTC' };
  return {
    async run(mode, extraEnv = {}) {
      log.resetRequestLog();
      const cpuBefore = process.cpuUsage();
      const { wal, value: child } = await withWal(sql, () => runChild({ mode, env: { ...env, ...extraEnv }, databaseUrl: url, date: day, instance: SIM_INSTANCE, pageSize: SIM_PAGE_SIZE }));
      if (mode === 'collect' && (child.outcome as RunResult).exitCode !== 0) {
        const result = child.outcome as RunResult;
        throw new Error(`simulator collection failed: ${result.status} ${result.error?.message ?? ''}`);
      }
      const requestsByPath = new Map<string, number>();
      for (const entry of log.requests()) {
        const key = entry.path.replace(/^\/(?:api\/)?/u, '/');
        requestsByPath.set(key, (requestsByPath.get(key) ?? 0) + 1);
      }
      const cpu = process.cpuUsage(cpuBefore);
      return { child, wal, requestsByPath, requests: log.requests().length, simulatorCpuMs: (cpu.user + cpu.system) / 1000 };
    },
    close: () => sim.close(),
  };
}

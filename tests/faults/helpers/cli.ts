/**
 * The CLI as an operator's timer runs it: a child process with a clean environment (none of the
 * developer's DATABASE_URL or vendor keys leak in), stdout and stderr captured, the pid exposed so a
 * test can read its process title or kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv } from '../../helpers/env.js';

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

export { cleanEnv };

/** A fresh WAREHOUSE_HOME, so no command touches a developer's embedded database. */
export function scratchHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'warehouse-faults-'));
}

export function startCli(args: string[], env: Record<string, string>, options: { timeoutMs?: number } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, ['bin/warehouse.js', ...args], {
    env: { ...cleanEnv(), WAREHOUSE_TIMEZONE: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
  return { child, done };
}

export function cli(args: string[], env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<CliResult> {
  return startCli(args, env, options).done;
}

/** Run tasks at most `limit` at a time (each CLI start costs a second of CPU on a 2-core machine). */
export async function pooled<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The pino JSON lines of a run's stdout (progress and hints go to stderr). */
export function jsonLines(out: string): Array<Record<string, unknown>> {
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Issue 21 item 6, output that fits the terminal and the pipe: on a pipe (a timer, journald, jq)
 * stdout is JSON log lines only, no key twice, no progress escapes; on a terminal (a pseudo-terminal
 * from util-linux `script`) a person sees progress and one summary line per step instead of the
 * info lines. collect, nightly and rollup all follow it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { EXIT } from '../../warehouse/errors.js';
import { todayIn } from '../../warehouse/time.js';
import { clearOfMidnight } from '../helpers/clock.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { cleanEnv, cli, scratchHome } from '../faults/helpers/cli.js';

const ERASE_LINE = `${String.fromCharCode(27)}[2K`;
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Every stdout line is one JSON object whose keys each appear once (JSON.parse keeps the last of a duplicate silently). */
function expectPureJsonLines(out: string): Array<Record<string, unknown>> {
  const lines = out.split('\n').filter((line) => line !== '');
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((line) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    // pino writes compact JSON as JSON.stringify does: a key written twice makes the line longer than its re-serialisation.
    expect(JSON.stringify(parsed).length, line).toBe(line.length);
    return parsed;
  });
}

/**
 * The CLI under a pseudo-terminal: stdout and stderr are both the terminal, as when a person types the
 * command. Asynchronous: the simulator answering it lives in this process's event loop.
 */
function onTerminal(args: string[], env: Record<string, string>): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, 'bin/warehouse.js', ...args].map((word) => `'${word.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: { ...cleanEnv(), WAREHOUSE_TIMEZONE: 'UTC', TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (chunk: Buffer) => { screen += chunk.toString(); });
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      // What a person reads: each rewrite of the progress line (carriage return, erase line) as a line of its own.
      resolve({ code, screen: screen.replaceAll('\r', '\n').replaceAll(ERASE_LINE, '') });
    });
  });
}

inOrder('collect, rollup and nightly on a pipe and on a terminal', () => {
  let db: TestDatabase;
  let sim: NinjaOneSimulator;
  const home = scratchHome();
  const env = () => ({ ...sim.config, DATABASE_URL: db.url, WAREHOUSE_HOME: home });
  beforeAll(async () => {
    db = await testDatabase();
    // The runs below take "today" from the clock: keep them clear of midnight so all agree on the day.
    await clearOfMidnight('UTC', 3 * 60_000);
    sim = await startNinjaOneSimulator({ devices: 25, seed: 6, date: todayIn('UTC') });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it('collect on a pipe: stdout is JSON lines with no key twice, stderr has no progress', async () => {
    const result = await cli(['collect', 'ninjaone'], env(), { timeoutMs: 120_000 });
    expect(result.code, result.err).toBe(EXIT.ok);
    const lines = expectPureJsonLines(result.out);
    expect(lines.filter((line) => line.runId !== undefined).length).toBeGreaterThan(0);
    expect(result.err).not.toContain(String.fromCharCode(27));
  });

  it('rollup on a pipe: its JSON line says what it did, nothing else on stdout', async () => {
    const result = await cli(['rollup'], env(), { timeoutMs: 120_000 });
    expect(result.code, result.err).toBe(EXIT.ok);
    const done = expectPureJsonLines(result.out).find((line) => line.msg === 'rollup done');
    expect(done).toMatchObject({ days: 1 });
    expect(result.err).toBe('');
  });

  it.skipIf(!hasScript)('collect and rollup on a terminal: a summary line each, no info-level JSON', async () => {
    const collected = await onTerminal(['collect', 'ninjaone'], env());
    expect(collected.code, collected.screen).toBe(EXIT.ok);
    expect(collected.screen).toMatch(/^ninjaone \d{4}-\d{2}-\d{2}: succeeded, 25 devices /mu);
    expect(collected.screen).not.toMatch(/"level":30/u);
    const rolled = await onTerminal(['rollup'], env());
    expect(rolled.code, rolled.screen).toBe(EXIT.ok);
    expect(rolled.screen).toMatch(/^rollup: 1 day\(s\), \d+ count row\(s\); findings as of \d{4}-\d{2}-\d{2}: \d+ opened, \d+ resolved, \d+ open; alerts: \d+ opened, \d+ resolved, \d+ open(, \d+ notified)?; \d+\.\d s$/mu);
    expect(rolled.screen).not.toMatch(/"level":30/u);
  });

  it.skipIf(!hasScript)('nightly on a terminal: one line per source, the rollup, and the verdict', async () => {
    const night = await onTerminal(['nightly'], env());
    expect(night.code, night.screen).toBe(EXIT.ok);
    expect(night.screen).toMatch(/^\[1\/1\] ninjaone \d{4}-\d{2}-\d{2}: succeeded, 25 devices /mu);
    expect(night.screen).toMatch(/^rolled up 1 day\(s\); retention dropped \d+ partition\(s\); alerts: \d+ opened, \d+ resolved, \d+ open(, \d+ notified)?$/mu);
    expect(night.screen).toMatch(/^nightly: 1 source\(s\) in \d+\.\d s, exit 0 \(ok\)$/mu);
    expect(night.screen).not.toMatch(/"level":30/u);
  });
});

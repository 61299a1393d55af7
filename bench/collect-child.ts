/**
 * B2's collector process: one NinjaOne run (fetch, map, stage, gate, publish) against the simulator
 * the parent serves, in a process of its own so its peak RSS is the collector's alone. With
 * `fetch-same` it makes the collection's requests with a bare client (bench/bare-fetch.ts): the floor
 * the collector cannot beat; `fetch-only` pages through /v2/devices-detailed alone. Input: one JSON
 * argument; output: one JSON line on stdout.
 */
import { runCollect } from '../warehouse/run/runner.js';
import { SOURCES } from '../collectors/registry.js';
import { bareFetch } from './bare-fetch.js';
import type { ChildMode } from './b2-simulator.js';

interface ChildInput {
  mode: ChildMode;
  env: Record<string, string>;
  databaseUrl: string;
  date: string;
  instance: string;
  pageSize: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const startRss = process.memoryUsage().rss;
let peakSampled = startRss;
const sampler = setInterval(() => { peakSampled = Math.max(peakSampled, process.memoryUsage().rss); }, 50);

const started = performance.now();
async function collect(): Promise<object> {
  // Phase marks: fetching ended (staged), device days written (inside the publish transaction).
  const marks: number[] = [];
  const mark = async (): Promise<void> => { marks.push(performance.now() - started); };
  const result = await runCollect({
    source: SOURCES.ninjaone, env: input.env, databaseUrl: input.databaseUrl, date: input.date, today: input.date, instance: input.instance, acceptShrink: true,
    hooks: { afterStaged: mark, insidePublish: mark },
  });
  // Errors do not survive JSON.stringify; keep what the parent reports.
  return { ...result, error: result.error ? { code: result.error.code, message: result.error.message } : undefined, marks };
}

const outcome = input.mode === 'collect'
  ? await collect()
  : await bareFetch({ env: input.env, pageSize: input.pageSize, date: input.date, devicesOnly: input.mode === 'fetch-only' });
const ms = performance.now() - started;
clearInterval(sampler);
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({
  ms, outcome, startRss, peakSampledRss: peakSampled, cpuMs: (cpu.user + cpu.system) / 1000,
  // resourceUsage().maxRSS is in kilobytes: the kernel's high-water mark for this process.
  maxRss: process.resourceUsage().maxRSS * 1024,
})}\n`);

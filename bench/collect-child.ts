/**
 * B2's collector process: one NinjaOne run (fetch, map, stage, gate, publish) against the simulator
 * the parent serves, in a process of its own so its peak RSS is the collector's alone. With
 * `fetch-only` it just pages through /v2/devices-detailed (HTTP and JSON parsing, nothing else): the
 * floor the collector cannot beat. Input: one JSON argument; output: one JSON line on stdout.
 */
import { runCollect } from '../warehouse/run/runner.js';
import { SOURCES } from '../collectors/registry.js';

interface ChildInput {
  mode: 'collect' | 'fetch-only';
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

async function fetchOnly(): Promise<{ rows: number; requests: number }> {
  const base = input.env.NINJAONE_BASE_URL as string;
  const tokenResponse = await fetch(`${base}/ws/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: input.env.NINJAONE_CLIENT_ID as string,
      client_secret: input.env.NINJAONE_CLIENT_SECRET as string, scope: 'monitoring',
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  let rows = 0;
  let requests = 1;
  let after: number | undefined;
  for (;;) {
    const query = new URLSearchParams({ pageSize: String(input.pageSize), ...(after === undefined ? {} : { after: String(after) }) });
    const response = await fetch(`${base}/v2/devices-detailed?${query}`, { headers: { authorization: `Bearer ${token}` } });
    requests += 1;
    const page = (await response.json()) as Array<{ id: number }>;
    if (page.length === 0) break;
    rows += page.length;
    after = page[page.length - 1]?.id;
  }
  return { rows, requests };
}

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

const outcome = input.mode === 'fetch-only' ? await fetchOnly() : await collect();
const ms = performance.now() - started;
clearInterval(sampler);
const cpu = process.cpuUsage();
process.stdout.write(`${JSON.stringify({
  ms, outcome, startRss, peakSampledRss: peakSampled, cpuMs: (cpu.user + cpu.system) / 1000,
  // resourceUsage().maxRSS is in kilobytes: the kernel's high-water mark for this process.
  maxRss: process.resourceUsage().maxRSS * 1024,
})}\n`);

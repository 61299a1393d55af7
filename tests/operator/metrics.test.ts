/** Prometheus text-file metrics: given these runs, these samples; valid exposition format; atomic replacement. */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMetrics, renderMetrics, writeMetrics, type SourceMetrics } from '../../warehouse/metrics.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { removeTempDirs, tempDir } from './cli.js';

let db: TestDatabase;
const NOW = new Date('2026-11-22T06:00:00Z');

beforeAll(async () => {
  db = await testDatabase();
  const ids = await db.sql<{ id: number; source: string }[]>`
    insert into ops.source_instances (source, instance) values ('ninjaone', 'default'), ('pmp', 'default'), ('pmp', 'branch "b"')
    returning source_instance_id as id, source`;
  const [ninja, pmp, branch] = ids.map((r) => r.id) as [number, number, number];
  const run = (id: number, started: string, status: string, exit: number | null, ms: number | null, devices: number, patch: number) => db.sql`
    insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code, duration_ms, rows_devices, rows_patch_status)
    values (${id}, ${started.slice(0, 10)}::date, ${started}::timestamptz, ${status === 'running' ? null : started}::timestamptz + make_interval(secs => ${(ms ?? 0) / 1000}),
            ${status}, ${exit}, ${ms}, ${devices}, ${patch})`;
  await run(ninja, '2026-11-20T02:00:00Z', 'succeeded', 0, 60_000, 900, 850);
  await run(ninja, '2026-11-21T02:00:00Z', 'succeeded', 0, 90_000, 910, 860);
  await run(pmp, '2026-11-20T03:00:00Z', 'succeeded', 0, 30_000, 500, 500);
  await run(pmp, '2026-11-21T03:00:00Z', 'failed', 7, 12_500, 0, 0);
  await run(pmp, '2026-11-22T03:00:00Z', 'refused', 4, 20_000, 480, 480);
  await run(branch, '2026-11-22T04:00:00Z', 'running', null, null, 0, 0);
});
afterAll(async () => {
  await db.close();
  removeTempDirs();
});

const sample = (text: string, name: string, labels: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('Prometheus metrics', () => {
  it('renders every source instance from ops.sync_runs and bi.collection_health', async () => {
    const text = renderMetrics(await collectMetrics(db.sql), NOW);
    const ninja = 'source="ninjaone",instance="default"';
    const pmp = 'source="pmp",instance="default"';
    expect(sample(text, 'warehouse_last_run_success', ninja)).toBe(1);
    expect(sample(text, 'warehouse_last_run_success', pmp)).toBe(0);
    expect(sample(text, 'warehouse_last_run_exit_code', pmp)).toBe(4);
    expect(sample(text, 'warehouse_last_run_duration_seconds', ninja)).toBe(90);
    expect(sample(text, 'warehouse_last_run_timestamp_seconds', pmp)).toBe(Date.parse('2026-11-22T03:00:00Z') / 1000);
    expect(sample(text, 'warehouse_last_success_timestamp_seconds', ninja)).toBe(Date.parse('2026-11-21T02:01:30Z') / 1000);
    expect(sample(text, 'warehouse_last_success_timestamp_seconds', pmp)).toBe(Date.parse('2026-11-20T03:00:30Z') / 1000);
    expect(sample(text, 'warehouse_consecutive_failures', pmp)).toBe(2);
    expect(sample(text, 'warehouse_last_success_rows', `${ninja},kind="devices"`)).toBe(910);
    expect(sample(text, 'warehouse_last_success_rows', `${pmp},kind="patch_status"`)).toBe(500);
    expect(sample(text, 'warehouse_runs_total', `${pmp},status="failed"`)).toBe(1);
    expect(sample(text, 'warehouse_runs_total', `${pmp},status="refused"`)).toBe(1);
    expect(sample(text, 'warehouse_runs_total', `${pmp},status="succeeded"`)).toBe(1);
    expect(sample(text, 'warehouse_runs_total', `${ninja},status="succeeded"`)).toBe(2);
    expect(sample(text, 'warehouse_run_duration_seconds_total', pmp)).toBe(62.5);
    expect(sample(text, 'warehouse_runs_finished_total', pmp)).toBe(3);
    expect(text).toMatch(/^warehouse_metrics_generated_timestamp_seconds 1795327200$/mu);
    // A source that never succeeded has no freshness sample (absent, not zero), and a running run no success flag.
    const branch = 'source="pmp",instance="branch \\"b\\""';
    expect(sample(text, 'warehouse_last_success_timestamp_seconds', branch)).toBeUndefined();
    expect(sample(text, 'warehouse_last_run_success', branch)).toBeUndefined();
    expect(sample(text, 'warehouse_runs_total', `${branch},status="running"`)).toBe(1);
  });

  it('is valid text exposition format: HELP and TYPE once per family, well-formed samples', async () => {
    const text = renderMetrics(await collectMetrics(db.sql), NOW);
    expect(text.endsWith('\n')).toBe(true);
    const families = new Map<string, number>();
    for (const line of text.trimEnd().split('\n')) {
      const meta = /^# (HELP|TYPE) (\w+) (.+)$/u.exec(line);
      if (meta) {
        const key = `${meta[1]} ${meta[2]}`;
        families.set(key, (families.get(key) ?? 0) + 1);
        if (meta[1] === 'TYPE') expect(meta[3]).toMatch(/^(gauge|counter)$/u);
        continue;
      }
      expect(line).toMatch(/^warehouse_\w+(\{(\w+="(?:[^"\\]|\\.)*",?)+\})? -?\d+(\.\d+)?(e[+-]?\d+)?$/u);
    }
    expect([...families.values()].every((n) => n === 1)).toBe(true);
    const counters = [...families.keys()].filter((k) => k.startsWith('TYPE')).map((k) => k.slice(5));
    expect(counters.filter((n) => n.endsWith('_total')).length).toBeGreaterThan(0);
  });

  it('escapes label values', () => {
    const source: SourceMetrics = {
      source: 'pmp', instance: 'a\\b"c\nd', lastRunAt: null, lastRunStatus: null, lastRunExitCode: null, lastRunDurationMs: null,
      lastSuccessAt: null, consecutiveFailures: 0, rowsDevices: null, rowsPatchStatus: null, runsByStatus: {}, durationSecondsSum: 0, runsFinished: 0,
    };
    expect(renderMetrics([source], NOW)).toContain('warehouse_consecutive_failures{source="pmp",instance="a\\\\b\\"c\\nd"} 0');
  });

  it('replaces the file atomically and leaves no temporary file', async () => {
    const dir = tempDir('metrics-');
    const file = path.join(dir, 'warehouse.prom');
    writeFileSync(file, 'old\n');
    await writeMetrics(db.sql, file, NOW);
    expect(readFileSync(file, 'utf8')).toMatch(/^# HELP warehouse_last_run_timestamp_seconds /u);
    expect(readdirSync(dir)).toEqual(['warehouse.prom']);
    await expect(writeMetrics(db.sql, path.join(dir, 'missing-dir', 'x.prom'), NOW)).rejects.toThrow(/ENOENT/u);
    expect(readdirSync(dir)).toEqual(['warehouse.prom']);
  });
});

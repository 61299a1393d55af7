/**
 * Property: whichever point of collect, rollup or retention the process is SIGKILLed at, the
 * published data is whole (the night's day is all there or not at all, the days before untouched),
 * and after the sweep a re-run of the night leaves exactly what a clean night leaves: device days,
 * daily counts, month-ends and partitions.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { testDatabase } from '../helpers/db.js';
import { killNightAt } from './helpers/kill.js';
import { CHECKPOINTS, NIGHT, outcomeOf, publishBefore, runNight } from './helpers/pipeline.js';
import { settle } from './helpers/published.js';

const noop = async () => {};

/** The day of the night as published: absent, or all 60 devices of the new variant. */
async function nightDay(url: string): Promise<{ devices: number; renamed: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ devices: number; renamed: number }[]>`
      select count(*)::int as devices, count(*) filter (where hostname like '%-night')::int as renamed
      from core.device_days where snapshot_day = ${NIGHT.day}`;
    return row as { devices: number; renamed: number };
  } finally {
    await sql.end();
  }
}

async function daysBefore(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ f: string }[]>`
      select md5(coalesce(string_agg(concat_ws('|', snapshot_day, vendor_id, hostname, is_spare), ',' order by snapshot_day, vendor_id), '')) as f
      from core.device_days where snapshot_day = ${NIGHT.before[1]}`;
    return row?.f as string;
  } finally {
    await sql.end();
  }
}

let clean: Record<string, unknown>;

beforeAll(async () => {
  const db = await testDatabase();
  try {
    await publishBefore(db.url);
    await runNight(db.url, noop);
    clean = await outcomeOf(db.url);
  } finally {
    await db.close();
  }
  // The clean night did real work in every phase.
  expect((clean.device_days as string[]).some((r) => r.startsWith(NIGHT.day))).toBe(true);
  expect((clean.month_ends as string[]).length).toBe(2);
  expect((clean.partitions as string[]).some((p) => p.endsWith('20260105'))).toBe(false);
}, 60_000);

describe('killed at a random point of collect, rollup or retention', () => {
  it('published data stays whole, and a re-run equals a clean night', async () => {
    await fc.assert(fc.asyncProperty(fc.constantFrom(...CHECKPOINTS), async (at) => {
      const db = await testDatabase();
      try {
        await publishBefore(db.url);
        const before = await daysBefore(db.url);
        const out = await killNightAt(db.url, at);
        expect(out).toContain(`AT ${at}`);
        await settle(db.url);
        // Whole or nothing: the night's day is absent or complete; the day before is untouched.
        const day = await nightDay(db.url);
        expect([0, 60]).toContain(day.devices);
        expect(day.renamed).toBe(day.devices);
        expect(await daysBefore(db.url)).toBe(before);
        // The next command sweeps the killed run; the night re-runs to the clean outcome.
        await sweepAbandonedRuns(db.sql);
        await runNight(db.url, noop);
        expect(await outcomeOf(db.url)).toEqual(clean);
      } finally {
        await db.close();
      }
    }), { numRuns: 5, examples: [['collect:publish'], ['rollup:month-end:1'], ['retention:half']] });
  }, 120_000);
});


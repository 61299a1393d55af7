/** Schema drift: malformed records are quarantined with a reason; past the threshold the run is refused. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { aliasProblem, deviceProblem } from '../../warehouse/load/validate.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny, tinyDevice } from '../helpers/tiny-source.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

describe('quarantine', () => {
  it('rejects implausible timestamps and missing ids row by row', () => {
    const row = tinyDevice(1, { orgs: 3, variant: '' });
    expect(deviceProblem(row)).toBeUndefined();
    expect(deviceProblem({ ...row, lastContactAt: new Date(1_700_000_000) })).toMatch(/1970-01-20.*implausible/u);
    expect(deviceProblem({ ...row, lastContactAt: new Date(1_700_000_000_000 * 1000) })).toMatch(/implausible/u);
    expect(deviceProblem({ ...row, vendorId: '' })).toBe('device id is missing');
    expect(deviceProblem({ ...row, vendorId: '[object Object]' })).toMatch(/malformed/u);
    expect(deviceProblem({ ...row, deviceClass: 'toaster' as never })).toMatch(/unknown/u);
  });

  it('a client alias that cannot be a key (missing, over-long or control-character id) is named, for it cannot be set aside', () => {
    const alias = { externalId: '42', name: 'Acme', kind: 'customer' as const, parentExternalId: null };
    expect(aliasProblem(alias)).toBeUndefined();
    expect(aliasProblem({ ...alias, externalId: '' })).toBe('customer id is missing');
    expect(aliasProblem({ ...alias, externalId: 'x'.repeat(201) })).toMatch(/^customer id is malformed/u);
    expect(aliasProblem({ ...alias, kind: 'location', parentExternalId: 'a\u0001b' })).toMatch(/^location's parent id is malformed/u);
  });

  it('a few drifted records are quarantined with their reason and the rest is published', async () => {
    // Every 200th device drifts: devices 0 (no id) and 200 (wrong unit) of 300: 0.7 %, under the 2 % threshold.
    const result = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '300', TINY_DRIFT_EVERY: '200' }, date: '2026-03-01', today: '2026-03-01' });
    expect(result.status).toBe('succeeded');
    const [published] = await db.sql`select count(*)::int as n, min(last_contact_at) as earliest from core.device_days where snapshot_day = '2026-03-01'`;
    expect(published?.n).toBe(298);
    expect(new Date(published?.earliest as string).getUTCFullYear()).toBe(2026);
    const held = await db.sql`select vendor_id, reason from ops.quarantine where run_id = ${result.runId} and stream = 'devices' order by reason`;
    expect(held).toEqual([
      { vendor_id: null, reason: 'device id is missing' },
      { vendor_id: 'dev-200', reason: expect.stringMatching(/last contact .* is implausible/u) },
    ]);
  });

  it('past the threshold the run is refused and the day already published stays as it was', async () => {
    const own = await testDatabase();
    try {
      const env = { DATABASE_URL: own.url, TINY_DEVICES: '300' };
      expect((await runCollect({ source: tiny, env, date: '2026-03-01', today: '2026-03-01' })).status).toBe('succeeded');
      const result = await runCollect({ source: tiny, env: { ...env, TINY_DRIFT_EVERY: '10', TINY_VARIANT: '-drifted' }, date: '2026-03-01', today: '2026-03-01' });
      expect(result.exitCode).toBe(EXIT.gateRefused);
      expect(result.error?.message).toMatch(/30 of 300 records quarantined/u);
      const published = await own.sql`select count(*)::int as n, count(*) filter (where hostname like '%-drifted%')::int as drifted
        from core.device_days where snapshot_day = '2026-03-01'`;
      expect(published).toEqual([{ n: 300, drifted: 0 }]);
      const [held] = await own.sql`select count(*)::int as n from ops.quarantine where run_id = ${result.runId} and stream = 'devices'`;
      expect(held?.n).toBe(30);
    } finally {
      await own.close();
    }
  });
});

/**
 * The bi schema is the public contract (DESIGN.md §7): every view named there exists, and every bi
 * view carries a COMMENT stating its grain and a COMMENT on each of its columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

/** DESIGN.md §7, in its order. */
const CONTRACT = [
  'sites', 'unmapped_aliases', 'devices_current', 'daily_counts', 'billing_monthly', 'billing_changes',
  'billing_today_vs_last_month_end', 'coverage', 'exceptions', 'patch_compliance_device', 'patch_compliance_site',
  'compliance_checks', 'pmp_summary_trend', 'collection_health',
] as const;

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

interface ViewDoc { name: string; comment: string | null; columns: number; uncommented: string[] }

async function biViews(): Promise<ViewDoc[]> {
  return db.sql<ViewDoc[]>`
    select c.relname as name, obj_description(c.oid, 'pg_class') as comment,
      count(a.attnum)::int as columns,
      coalesce(array_agg(a.attname::text order by a.attnum) filter (where col_description(c.oid, a.attnum) is null), '{}') as uncommented
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = 'bi' and c.relkind in ('v', 'm')
    group by c.oid, c.relname order by c.relname`;
}

describe('the bi contract', () => {
  it.each(CONTRACT)('bi.%s exists', async (name) => {
    const names = (await biViews()).map((v) => v.name);
    expect(names).toContain(name);
  });

  it('every bi view states its grain and documents every column', async () => {
    const views = await biViews();
    expect(views.length).toBeGreaterThan(0);
    for (const view of views) {
      expect(view.comment, `bi.${view.name} has no COMMENT ON VIEW`).toMatch(/one row per/iu);
      expect(view.uncommented, `bi.${view.name} columns without a COMMENT`).toEqual([]);
      expect(view.columns).toBeGreaterThan(0);
    }
  });

  it('the bi schema holds views only (tables belong in core, rollup and ops)', async () => {
    const [row] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'bi' and c.relkind not in ('v', 'm')`;
    expect(row?.n).toBe(0);
  });
});

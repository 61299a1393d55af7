/**
 * The repeatable SQL layer (views/functions, applied by views/apply.ts after the migrations and before
 * the views): every function there is what the database runs after migrate, applying it again
 * changes nothing, and the billing decision is one definition whose reason and category follow
 * its status, inlined into the views that call it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyViews, loadFunctionFiles } from '../../views/apply.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

/** schema.name of every function the layer defines. */
const LAYER = loadFunctionFiles().flatMap((f) => [...f.sql.matchAll(/^create or replace function\s+([\w.]+)\(/gmu)].map((m) => m[1] as string));

async function definitions(): Promise<Record<string, string>> {
  const rows = await db.sql<{ name: string; definition: string }[]>`
    select p.oid::regprocedure::text as name, pg_get_functiondef(p.oid) as definition
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('core', 'ops', 'raw', 'rollup', 'staging', 'bi') order by 1`;
  return Object.fromEntries(rows.map((r) => [r.name, r.definition]));
}

describe('the functions layer', () => {
  it('defines the warehouse\'s functions, each as its file says after migrate', async () => {
    expect(LAYER).toEqual(expect.arrayContaining(['core.billing_status', 'core.billing_reason', 'core.billing_category',
      'rollup.derive_month_end_sites', 'rollup.derive_month_end_counts', 'core.compliance_passed', 'core.ensure_partitions']));
    const defined = await definitions();
    for (const name of LAYER) {
      const found = Object.entries(defined).filter(([signature]) => signature.startsWith(`${name}(`));
      expect(found.length, name).toBeGreaterThan(0);
    }
    // A body written in the layer is the body PostgreSQL holds (the migrations' upper-case versions are replaced).
    const [sites] = await db.sql<{ src: string }[]>`select prosrc as src from pg_proc where oid = 'rollup.derive_month_end_sites(date)'::regprocedure`;
    expect(sites?.src).toContain('delete from rollup.month_end_sites where month = first_day');
  });

  it('changes nothing when applied again', async () => {
    const before = await definitions();
    await applyViews(db.sql);
    expect(await definitions()).toEqual(before);
  });

  it('decides status, reason and category together, as the policy says', async () => {
    const billed = ['workstation', 'server'];
    const cases: Array<[boolean, boolean, string | null, string, string, string, string]> = [
      // internal, spare, spare rule, class → status, reason, category
      [true, true, 'name_contains_spare', 'server', 'internal', 'site is internal (never billed)', 'server'],
      [false, true, 'name_contains_spare', 'server', 'spare', 'spare: name_contains_spare', 'server'],
      [false, true, null, 'workstation', 'spare', 'spare: rule', 'workstation'],
      [false, false, null, 'workstation', 'billable', 'billable workstation', 'workstation'],
      [false, false, null, 'vm_host', 'not_billed', 'class vm_host is not billed', 'not_billed'],
      [true, false, null, 'printer', 'internal', 'site is internal (never billed)', 'not_billed'],
    ];
    for (const [internal, spare, rule, cls, status, reason, category] of cases) {
      const [row] = await db.sql<{ status: string; reason: string; category: string }[]>`
        select core.billing_status(${internal}, ${spare}, ${cls}, ${billed}::text[]) as status,
          core.billing_reason(${internal}, ${spare}, ${rule}, ${cls}, ${billed}::text[]) as reason,
          core.billing_category(${cls}, ${billed}::text[]) as category`;
      expect(row, `${internal} ${spare} ${cls}`).toEqual({ status, reason, category });
    }
  });

  it('is inlined into staging.device_days_billing (no function call per device-day)', async () => {
    const plan = await db.sql<{ 'QUERY PLAN': string }[]>`
      explain (verbose, costs off) select billing_status, billing_reason, billing_category, is_stale from staging.device_days_billing`;
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/billing_(status|reason|category)\(|is_stale\(|day_end\(/u);
    expect(text).toContain('CASE'); // the decision's expression, in the plan itself
  });
});

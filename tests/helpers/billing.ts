/** Billing invariants the tests check against the bi views. */
import type { TestDatabase } from './db.js';

/** Rows where coalesce(previous_billable, 0) + Σ seat_delta (bi.billing_changes) ≠ billable, per month, site and source. */
export async function seatIdentityViolations(db: TestDatabase): Promise<readonly unknown[]> {
  return db.sql`
    select m.month, m.site, m.source, m.billable, m.previous_billable, coalesce(sum(c.seat_delta), 0)::int as delta
    from bi.billing_monthly as m
    left join bi.billing_changes as c on c.month = m.month and c.site_id = m.site_id and c.source = m.source and c.instance = m.instance
    group by m.month, m.site, m.source, m.billable, m.previous_billable
    having coalesce(m.previous_billable, 0) + coalesce(sum(c.seat_delta), 0) <> m.billable`;
}

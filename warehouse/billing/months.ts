/**
 * The billing month as a unit of work. Every writer of a month takes its lock inside its own
 * transaction: publishes (and the re-attributions they make) share it, so sources publish side by
 * side; month-end refreshes and `billing close` take it alone. A close therefore never interleaves
 * with a publish into the month, and a publish re-checks the month under the lock.
 */
import type { PendingQuery, Row, Sql, TransactionSql } from 'postgres';
import { monthOf } from '../time.js';

type Tx = Sql | TransactionSql;

/**
 * The one test of "this month is closed" (a row in ops.billing_months), as a SQL condition on the
 * month of a date expression, for queries that must leave invoiced months alone:
 * `and not ${closedMonth(tx, tx`dd.snapshot_day`)}`. isMonthClosed asks the same of one month.
 */
export function closedMonth(tx: Tx, day: PendingQuery<Row[]>): PendingQuery<Row[]> {
  return tx`exists (select 1 from ops.billing_months as bm where bm.month = date_trunc('month', ${day})::date)`;
}

/** Hold the month's lock until the transaction ends: 'shared' for publishes, 'exclusive' for month-ends and closes. */
export async function lockMonth(tx: TransactionSql, month: string, mode: 'shared' | 'exclusive'): Promise<void> {
  if (mode === 'shared') await tx`select pg_advisory_xact_lock_shared(hashtext('warehouse:month:' || ${monthOf(month)}))`;
  else await tx`select pg_advisory_xact_lock(hashtext('warehouse:month:' || ${monthOf(month)}))`;
}

/** Lock every month from `from`'s to `to`'s, in order (shared: a re-attribution across months). */
export async function lockMonthsShared(tx: Tx, from: string, to: string): Promise<void> {
  await tx`select pg_advisory_xact_lock_shared(hashtext('warehouse:month:' || to_char(m, 'YYYY-MM')))
    from generate_series(date_trunc('month', ${from}::date), date_trunc('month', ${to}::date), interval '1 month') as m`;
}

/** Whether the month of `day` (a day or YYYY-MM) was closed by `billing close`. */
export async function isMonthClosed(tx: Tx, day: string): Promise<boolean> {
  const rows = await tx`select 1 where ${closedMonth(tx, tx`${`${monthOf(day)}-01`}::date`)}`;
  return rows.length > 0;
}

/**
 * Record on a closed month the billing policy its month-end rows were just judged by: the settings
 * and the enabled spare rules, in order. Called by the close and by a forced rewrite (both judge the
 * month by the policy of that moment, and later policy changes re-judge open months only), so the
 * export of a closed month states its own policy, not today's.
 */
export async function recordPolicyOfClosedMonth(tx: TransactionSql, first: string): Promise<void> {
  await tx`
    update ops.billing_months as bm set
      policy_billed_classes = st.billed_classes,
      policy_stale_after_days = st.stale_after_days,
      policy_spare_rules = coalesce((
        select array_agg(r.description order by r.priority, r.rule_id) from core.spare_rules as r where r.enabled), '{}')
    from core.settings as st
    where st.singleton and bm.month = ${first}::date`;
}

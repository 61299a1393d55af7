/**
 * Work owed to the rollup (ops.rollup_requests): a range of days whose device-days, or whose
 * judgement, changed after they were rolled up — a re-mapping made during a publish or by
 * `warehouse sites map`, a billing-policy change. Writers record it in their own transaction; the
 * next rollup (`warehouse rollup`, the nightly, or the command that made the change) re-rolls the days
 * still kept, refreshes the open month-ends in range, and then deletes what it has done.
 */
import type { Sql, TransactionSql } from 'postgres';
import { closedMonth } from './months.js';

type Tx = Sql | TransactionSql;

export async function requestRollup(tx: Tx, firstDay: string, lastDay: string, reason: string): Promise<void> {
  await tx`insert into ops.rollup_requests (first_day, last_day, reason) values (${firstDay}::date, ${lastDay}::date, ${reason})`;
}

export interface Requested {
  /** Published days inside a requested range (those still kept). */
  days: string[];
  /** Months (YYYY-MM) touched by a requested range, ended or not, closed or not (the rollup decides). */
  months: string[];
  /** The newest request these cover: delete up to it once done. */
  through: number | null;
}

export async function requestedWork(sql: Sql): Promise<Requested> {
  const [top] = await sql<{ id: number | null }[]>`select max(request_id)::int as id from ops.rollup_requests`;
  const through = top?.id ?? null;
  if (through === null) return { days: [], months: [], through };
  const days = await sql<{ day: string }[]>`
    select distinct sd.snapshot_day::text as day from ops.source_days as sd
    where exists (select 1 from ops.rollup_requests as r where r.request_id <= ${through} and sd.snapshot_day between r.first_day and r.last_day)
      -- closed months keep their counts as invoiced
      and not ${closedMonth(sql, sql`sd.snapshot_day`)}
    order by 1`;
  const months = await sql<{ month: string }[]>`
    select distinct to_char(m, 'YYYY-MM') as month
    from ops.rollup_requests as r, generate_series(date_trunc('month', r.first_day), date_trunc('month', r.last_day), interval '1 month') as m
    where r.request_id <= ${through}
      and exists (select 1 from rollup.month_ends as me where me.month = m::date)
      and not ${closedMonth(sql, sql`m`)}
    order by 1`;
  return { days: days.map((d) => d.day), months: months.map((m) => m.month), through };
}

export async function requestsDone(sql: Sql, through: number | null): Promise<void> {
  if (through !== null) await sql`delete from ops.rollup_requests where request_id <= ${through}`;
}

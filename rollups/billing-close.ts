/** `warehouse billing close YYYY-MM`: materialise the month-end one last time, then freeze it. */
import type { Sql } from 'postgres';
import { UsageError } from '../warehouse/errors.js';
import { materialiseMonthEnd } from './month-end.js';

export async function closeBillingMonth(sql: Sql, month: string, options: { today: string; closedBy: string; note?: string }): Promise<{ alreadyClosed: boolean; monthEndDays: string[] }> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/u.test(month)) throw new UsageError(`billing close: "${month}" is not a month`, 'Use YYYY-MM, e.g. `warehouse billing close 2026-10`.');
  if (`${month}-01` > options.today || month === options.today.slice(0, 7)) {
    throw new UsageError(`billing close: ${month} has not ended yet`, 'Close a month after its last day, once its month-end snapshot is in.');
  }
  const existing = await sql`select 1 from ops.billing_months where month = ${`${month}-01`}::date`;
  if (existing.length > 0) return { alreadyClosed: true, monthEndDays: [] };
  const result = await materialiseMonthEnd(sql, month);
  if (result.materialised.length === 0) {
    throw new UsageError(`billing close: ${month} has no published snapshot`, 'Collect (or backfill) at least one day of that month before closing it.');
  }
  await sql`insert into ops.billing_months (month, closed_by, note) values (${`${month}-01`}::date, ${options.closedBy}, ${options.note ?? null})
    on conflict (month) do nothing`;
  return { alreadyClosed: false, monthEndDays: result.materialised };
}

/**
 * `warehouse billing close YYYY-MM`: materialise the month-end one last time, freeze it and seal it,
 * in one transaction under the month's exclusive lock, so no publish into the month can commit
 * between the last refresh and the close. A month whose dailies expired is frozen as materialised.
 */
import type { Sql } from 'postgres';
import { UsageError } from '../warehouse/errors.js';
import { isMonthClosed, lockMonth, recordPolicyOfClosedMonth } from '../warehouse/billing/months.js';
import { lockChain, sealMonth, type Seal } from '../warehouse/billing/seal.js';
import { freezeChanges, materialiseLocked } from './month-end.js';

export interface CloseResult { alreadyClosed: boolean; monthEndDays: string[]; kept: number; seal: Seal | null }

export function parseBillingMonth(month: string | undefined, verb: string): string {
  if (!month || !/^\d{4}-(0[1-9]|1[0-2])$/u.test(month)) {
    throw new UsageError(`billing ${verb}: "${month ?? ''}" is not a month`, `Use YYYY-MM, e.g. \`warehouse billing ${verb} 2026-10\`.`);
  }
  return month;
}

export async function closeBillingMonth(sql: Sql, month: string, options: { today: string; closedBy: string; note?: string }): Promise<CloseResult> {
  parseBillingMonth(month, 'close');
  if (`${month}-01` > options.today || month === options.today.slice(0, 7)) {
    throw new UsageError(`billing close: ${month} has not ended yet`, 'Close a month after its last day, once its month-end snapshot is in.');
  }
  return sql.begin(async (tx) => {
    await lockMonth(tx, month, 'exclusive');
    if (await isMonthClosed(tx, month)) return { alreadyClosed: true, monthEndDays: [], kept: 0, seal: null };
    const result = await materialiseLocked(tx, month);
    const [ends] = await tx<{ n: number }[]>`select count(*)::int as n from rollup.month_ends where month = ${`${month}-01`}::date`;
    if ((ends?.n ?? 0) === 0) {
      throw new UsageError(`billing close: ${month} has no published snapshot and no month-end`, 'Collect at least one day of that month before closing it; nothing was changed.');
    }
    await lockChain(tx);
    // clock_timestamp, taken under the chain's lock: close order is chain order.
    await tx`insert into ops.billing_months (month, closed_at, closed_by, note)
      values (${`${month}-01`}::date, clock_timestamp(), ${options.closedBy}, ${options.note ?? null})`;
    await recordPolicyOfClosedMonth(tx, `${month}-01`);
    await freezeChanges(tx, `${month}-01`);
    const seal = await sealMonth(tx, `${month}-01`);
    return { alreadyClosed: false, monthEndDays: result.materialised, kept: result.kept, seal };
  });
}

/**
 * core.settings, the one row the views read: the warehouse's time zone (so "the end of a snapshot
 * day" in a view is midnight in WAREHOUSE_TIMEZONE, as the collectors' days are) and the billing
 * policy. Every change is recorded in ops.setting_changes with who made it, the old and new value.
 */
import { hostname, userInfo } from 'node:os';
import type { Sql, TransactionSql } from 'postgres';
import { DEFAULT_BILLING_POLICY } from './rows.js';

type Tx = Sql | TransactionSql;

export interface BillingPolicy { billedClasses: string[]; staleAfterDays: number }

export function operatorName(): string {
  return `${userInfo().username}@${hostname()}`;
}

/** Record the config's time zone when it differs from the stored one (no write otherwise). */
export async function recordTimeZone(sql: Tx, timeZone: string, changedBy = operatorName()): Promise<void> {
  await sql`
    -- the CTE reads the row as it was before the update (no FOR UPDATE: it would skip the row this statement updates)
    with old as (select time_zone from core.settings where singleton),
    changed as (
      update core.settings set time_zone = ${timeZone}, updated_at = now()
      where singleton and time_zone is distinct from ${timeZone} returning true
    )
    insert into ops.setting_changes (setting, old_value, new_value, changed_by)
    select 'time_zone', old.time_zone, ${timeZone}, ${changedBy} from old, changed`;
}

export async function billingPolicy(sql: Tx): Promise<BillingPolicy> {
  const [row] = await sql<{ billed_classes: string[]; stale_after_days: number }[]>`
    select billed_classes, stale_after_days from core.settings where singleton`;
  return {
    billedClasses: row?.billed_classes ?? [...DEFAULT_BILLING_POLICY.billedClasses],
    staleAfterDays: row?.stale_after_days ?? DEFAULT_BILLING_POLICY.staleAfterDays,
  };
}

/** Store a new policy; returns the settings that changed (recorded), empty when none did. */
export async function setBillingPolicy(tx: TransactionSql, next: Partial<BillingPolicy>, changedBy = operatorName()): Promise<string[]> {
  const [current] = await tx<{ billed_classes: string[]; stale_after_days: number }[]>`
    select billed_classes, stale_after_days from core.settings where singleton for update`;
  const changes: Array<[string, string, string]> = [];
  const before = { billedClasses: current?.billed_classes ?? [], staleAfterDays: current?.stale_after_days ?? DEFAULT_BILLING_POLICY.staleAfterDays };
  if (next.billedClasses && next.billedClasses.join(',') !== before.billedClasses.join(',')) {
    changes.push(['billed_classes', before.billedClasses.join(','), next.billedClasses.join(',')]);
  }
  if (next.staleAfterDays !== undefined && next.staleAfterDays !== before.staleAfterDays) {
    changes.push(['stale_after_days', String(before.staleAfterDays), String(next.staleAfterDays)]);
  }
  if (changes.length === 0) return [];
  await tx`update core.settings set billed_classes = ${next.billedClasses ?? before.billedClasses}::text[],
    stale_after_days = ${next.staleAfterDays ?? before.staleAfterDays}, updated_at = now() where singleton`;
  for (const [setting, oldValue, newValue] of changes) {
    await tx`insert into ops.setting_changes (setting, old_value, new_value, changed_by) values (${setting}, ${oldValue}, ${newValue}, ${changedBy})`;
  }
  return changes.map(([setting]) => setting);
}

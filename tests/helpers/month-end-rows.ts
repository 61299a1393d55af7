/** Month-end rows written straight into the rollup tables: the export's input, without a month of collects. */
import { lastDayOfMonth } from '../../warehouse/time.js';
import type { TestDatabase } from './db.js';

export type MonthEndDevice = [vendorId: string, hostname: string, deviceClass: string, status: string, reason: string, rule: string | null];

export async function insertSite(db: TestDatabase, name: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`insert into core.sites (name, normalized_name) values (${name}, ${name.toLowerCase()}) returning site_id as id`;
  return row?.id as number;
}

export async function insertSource(db: TestDatabase, source: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`insert into ops.source_instances (source, instance) values (${source}, 'default') returning source_instance_id as id`;
  return row?.id as number;
}

/** One source's month-end at `day` listing `devices` at `site` (call rollups' deriveMonthEndSummaries after, in month order). */
export async function insertMonthEnd(db: TestDatabase, site: number, source: number, month: string, day: string, devices: MonthEndDevice[]): Promise<void> {
  await db.sql`select rollup.ensure_month_partition(${`${month}-01`}::date)`;
  await db.sql`
    insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
    values (${`${month}-01`}::date, ${source}, ${day}::date, ${day === lastDayOfMonth(month)}, 1)
    on conflict do nothing`;
  for (const [vendorId, hostname, deviceClass, status, reason, rule] of devices) {
    const [device] = await db.sql<{ id: number }[]>`
      insert into core.devices (source_instance_id, vendor_id, first_seen_on) values (${source}, ${vendorId}, ${day}::date)
      on conflict (source_instance_id, vendor_id) do update set first_seen_on = least(core.devices.first_seen_on, excluded.first_seen_on) returning device_id as id`;
    await db.sql`
      insert into rollup.month_end_devices (site_id, month, source_instance_id, device_id, month_end_day, vendor_id, display_name, hostname, device_class, billing_status, reason, spare_rule_id)
      values (${site}, ${`${month}-01`}::date, ${source}, ${device?.id as number}, ${day}::date, ${vendorId}, ${`${hostname} (display)`}, ${hostname}, ${deviceClass}, ${status}, ${reason}, ${rule})`;
  }
}

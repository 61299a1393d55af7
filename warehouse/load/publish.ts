/**
 * The one-transaction publish: the source-day slice appears whole or not at all. Re-running a day
 * replaces the slice and rewrites no row that did not change (ON CONFLICT ... WHERE IS DISTINCT FROM).
 */
import type { Sql, TransactionSql } from 'postgres';
import type { AliasRow, PatchSummaryRow } from '../rows.js';
import { publishAliases } from './aliases.js';
import type { SiteMapEntry } from '../sites/site-map.js';
import { summaryOrderNotes } from './summary-order.js';
import type { StagingTables } from './staging.js';

export interface PublishInput {
  sql: Sql;
  runId: number;
  source: string;
  sourceInstanceId: number;
  snapshotDay: string;
  staging: StagingTables;
  aliases: AliasRow[];
  summary: PatchSummaryRow | undefined;
  complete: boolean;
  createsSites: boolean;
  /** The operator's mapping file: manual mappings that win over automatic ones. */
  siteMap?: readonly SiteMapEntry[];
  forcedIntoClosedMonth: boolean;
  /** Last statements of the transaction (the run row's final state), so it commits with the data. */
  finish(tx: TransactionSql, result: PublishResult): Promise<void>;
  /** Test hook: called inside the transaction after the device days are written. */
  afterDeviceDays?: () => Promise<void>;
}

export interface PublishResult { devicesChanged: number; devicesRemoved: number; patchChanged: number; patchRemoved: number }

const DEVICE_DAY_COLUMNS = [
  'alias_id', 'run_id', 'vendor_id', 'location_name', 'display_name', 'hostname', 'fqdn', 'serial_number',
  'mac_addresses', 'ip_addresses', 'os_name', 'os_build', 'vendor_class', 'device_class', 'is_spare',
  'spare_rule_id', 'online', 'last_contact_at', 'last_user', 'agent_version', 'extras',
];
// run_id changes on every run; comparing it would rewrite every row.
const DEVICE_COMPARED = DEVICE_DAY_COLUMNS.filter((c) => c !== 'run_id');

const PATCH_COLUMNS = [
  'run_id', 'missing_critical', 'missing_important', 'missing_moderate', 'missing_low', 'missing_unrated',
  'missing_os', 'missing_third_party', 'missing_driver', 'missing_bios', 'installed_count', 'last_scan_at',
  'last_successful_scan_at', 'scan_status', 'health_status',
];
const PATCH_COMPARED = PATCH_COLUMNS.filter((c) => c !== 'run_id');

export async function publish(input: PublishInput): Promise<PublishResult> {
  const { sql, staging } = input;
  return sql.begin(async (tx) => {
    const p = { inst: input.sourceInstanceId, day: input.snapshotDay, run: input.runId };
    await tx`select core.ensure_partitions(${p.day}::date)`;
    await publishAliases({
      tx, sourceInstanceId: p.inst, snapshotDay: p.day, aliases: input.aliases, createsSites: input.createsSites,
      ...(input.siteMap ? { siteMap: input.siteMap } : {}),
    });
    await tx.unsafe(`
      insert into core.devices (source_instance_id, vendor_id, first_seen_on, last_seen_on)
      select $1, vendor_id, $2::date, $2::date from ${staging.devices}
      on conflict (source_instance_id, vendor_id) do update set
        first_seen_on = least(core.devices.first_seen_on, excluded.first_seen_on),
        last_seen_on = greatest(core.devices.last_seen_on, excluded.last_seen_on)
      where core.devices.last_seen_on < excluded.last_seen_on or core.devices.first_seen_on > excluded.first_seen_on`, [p.inst, p.day]);
    // Resolve each staged device once: identity, site (the unmapped site when its alias is unmapped), spare rule.
    await tx.unsafe(`
      create temp table run_devices on commit drop as
      select s.*, d.device_id, sa.alias_id,
        coalesce(sa.site_id, (select site_id from core.sites where is_unmapped)) as site_id,
        rule.rule_id as spare_rule_id
      from ${staging.devices} s
      join core.devices d on d.source_instance_id = $1 and d.vendor_id = s.vendor_id
      join core.site_aliases sa on sa.source_instance_id = $1 and sa.parent_external_id is null and sa.external_id = s.org_external_id
      left join lateral (
        select r.rule_id from core.spare_rules r
        where r.enabled and (r.source is null or r.source = $2)
          and case r.field
            when 'display_name' then coalesce(s.display_name, s.hostname) ilike r.pattern
            when 'location' then s.location_name ilike r.pattern
            when 'vendor_class' then s.vendor_class ilike r.pattern
            else false end
        order by r.priority limit 1
      ) rule on true`, [p.inst, input.source]);
    const devicesRemoved = await deleteStale(tx, 'core.device_days', p);
    const devicesChanged = await tx.unsafe(`
      insert into core.device_days (site_id, snapshot_day, device_id, source_instance_id, ${DEVICE_DAY_COLUMNS.join(', ')})
      select site_id, $1::date, device_id, $2, alias_id, $3, vendor_id, location_name, display_name, hostname, fqdn,
        serial_number, coalesce(mac_addresses, '{}'), coalesce(ip_addresses, '{}'), os_name, os_build, vendor_class,
        device_class, spare_rule_id is not null, spare_rule_id, online, last_contact_at, last_user, agent_version,
        coalesce(extras, '{}'::jsonb)
      from run_devices
      ${onConflict('core.device_days', DEVICE_DAY_COLUMNS, DEVICE_COMPARED)}`, [p.day, p.inst, p.run]).then((r) => r.count);
    await input.afterDeviceDays?.();
    const patchRemoved = await deleteStale(tx, 'core.patch_status', p, staging.patch);
    const patchChanged = await tx.unsafe(`
      insert into core.patch_status (site_id, snapshot_day, device_id, source_instance_id, ${PATCH_COLUMNS.join(', ')})
      select rd.site_id, $1::date, rd.device_id, $2, $3, ${PATCH_COMPARED.map((c) => `ps.${c}`).join(', ')}
      from ${staging.patch} ps join run_devices rd on rd.vendor_id = ps.vendor_id
      ${onConflict('core.patch_status', PATCH_COLUMNS, PATCH_COMPARED)}`, [p.day, p.inst, p.run]).then((r) => r.count);
    if (input.summary) await publishSummary(tx, p, input.summary);
    const [counts] = await tx<{ devices: number; patch: number }[]>`
      select (select count(*)::int from run_devices) as devices,
             (select count(*)::int from core.patch_status where snapshot_day = ${p.day} and source_instance_id = ${p.inst}) as patch`;
    await tx`
      insert into ops.source_days (source_instance_id, snapshot_day, run_id, device_count, patch_status_count, is_complete)
      values (${p.inst}, ${p.day}, ${p.run}, ${counts?.devices ?? 0}, ${counts?.patch ?? 0}, ${input.complete})
      on conflict (source_instance_id, snapshot_day) do update set
        run_id = excluded.run_id, published_at = now(), device_count = excluded.device_count,
        patch_status_count = excluded.patch_status_count, is_complete = excluded.is_complete`;
    if (input.forcedIntoClosedMonth) {
      await tx`insert into ops.forced_changes (month, run_id, action, reason)
        values (date_trunc('month', ${p.day}::date)::date, ${p.run}, ${'collect ' + input.source}, 'published into a closed month with --force')`;
    }
    const result = { devicesChanged, devicesRemoved, patchChanged, patchRemoved };
    await input.finish(tx, result);
    return result;
  });
}

function onConflict(table: string, columns: string[], compared: string[]): string {
  const short = table.split('.')[1] as string;
  return `on conflict (site_id, snapshot_day, device_id) do update set
    ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}
    where (${compared.map((c) => `${short}.${c}`).join(', ')}) is distinct from (${compared.map((c) => `excluded.${c}`).join(', ')})`;
}

/** Rows of this source-day that the new snapshot no longer has (or has under another site). */
async function deleteStale(tx: TransactionSql, table: string, p: { inst: number; day: string }, patchStaging?: string): Promise<number> {
  const keep = patchStaging
    ? `select rd.device_id, rd.site_id from run_devices rd join ${patchStaging} ps on ps.vendor_id = rd.vendor_id`
    : 'select device_id, site_id from run_devices';
  const result = await tx.unsafe(`
    delete from ${table} t
    where t.snapshot_day = $1::date and t.source_instance_id = $2
      and not exists (select 1 from (${keep}) k where k.device_id = t.device_id and k.site_id = t.site_id)`, [p.day, p.inst]);
  return result.count;
}

async function publishSummary(tx: TransactionSql, p: { inst: number; day: string; run: number }, given: PatchSummaryRow): Promise<void> {
  const [previous] = await tx<Array<{ taken_at: Date; metrics: PatchSummaryRow['metrics'] }>>`
    select taken_at, metrics from core.pmp_summaries
    where source_instance_id = ${p.inst} and snapshot_day < ${p.day} order by snapshot_day desc limit 1`;
  const summary = previous
    ? { ...given, notes: [...given.notes, ...summaryOrderNotes({ takenAt: previous.taken_at, metrics: previous.metrics }, given)] }
    : given;
  await tx`
    insert into core.pmp_summaries (source_instance_id, snapshot_day, run_id, taken_at, metrics, severity_sum_difference, notes)
    values (${p.inst}, ${p.day}, ${p.run}, ${summary.takenAt}, ${tx.json(summary.metrics as never)}, ${summary.severitySumDifference}, array(select jsonb_array_elements_text(${tx.json(summary.notes as never)})))
    on conflict (source_instance_id, snapshot_day) do update set
      run_id = excluded.run_id, taken_at = excluded.taken_at, metrics = excluded.metrics,
      severity_sum_difference = excluded.severity_sum_difference, notes = excluded.notes`;
}

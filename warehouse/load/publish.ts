/**
 * The one-transaction publish: the source-day slice appears whole or not at all. Re-running a day
 * replaces the slice and rewrites no row that did not change (ON CONFLICT ... WHERE IS DISTINCT FROM).
 */
import type { Sql, TransactionSql } from 'postgres';
import { isMonthClosed, lockMonth } from '../billing/months.js';
import { monthOf } from '../time.js';
import { GateRefusedError } from '../errors.js';
import type { AliasRow, PatchSummaryRow, VulnDbStatusRow } from '../rows.js';
import { publishAliases } from './aliases.js';
import type { SiteMapEntry } from '../sites/site-map.js';
import { summaryOrderNotes } from './summary-order.js';
import type { StagingTables } from './staging.js';
import { dayPartition } from '../partitions.js';
import { DEVICE_DAY_FACT, FACT_KEY, PATCH_STATUS_FACT, publishedColumns } from './fact-columns.js';

export interface PublishInput {
  sql: Sql;
  runId: number;
  source: string;
  sourceInstanceId: number;
  snapshotDay: string;
  staging: StagingTables;
  aliases: AliasRow[];
  summary: PatchSummaryRow | undefined;
  /** PMP dbupdatestatus (or its failure), stored per source-day like the summary. */
  vulnDb?: VulnDbStatusRow | undefined;
  complete: boolean;
  createsSites: boolean;
  /** The operator's mapping file: manual mappings that win over automatic ones. */
  siteMap?: readonly SiteMapEntry[];
  /** Publish even into a closed billing month (recorded as a forced change). */
  force: boolean;
  /** Last statements of the transaction (the run row's final state), so it commits with the data. */
  finish(tx: TransactionSql, result: PublishResult): Promise<void>;
  /** Test hook: called inside the transaction after the device days are written. */
  afterDeviceDays?: () => Promise<void>;
}

export interface PublishResult { devicesChanged: number; devicesRemoved: number; patchChanged: number; patchRemoved: number }

// The published columns (beyond FACT_KEY) and their select expressions, from the registry (./fact-columns.ts).
const DEVICE_DAY_COLUMNS = publishedColumns(DEVICE_DAY_FACT);
const PATCH_STATUS_COLUMNS = publishedColumns(PATCH_STATUS_FACT);

/** The select yielding a fact table's slice: FACT_KEY and the published columns, from staged rows `s` and resolved devices `rd`. */
function sliceSelect(columns: ReadonlyArray<{ name: string; select: string }>, staged: string): string {
  const list = [...FACT_KEY, ...columns.map((c) => ({ name: c.name, publish: c.select }))]
    .map((c) => (c.publish === `s.${c.name}` || c.publish === `rd.${c.name}` ? c.publish : `${c.publish} as ${c.name}`));
  return `
      select ${list.join(', ')}
      from ${staged} s join run_devices rd on rd.vendor_id = s.vendor_id`;
}

export async function publish(input: PublishInput): Promise<PublishResult> {
  const { sql, staging } = input;
  return sql.begin(async (tx) => {
    const p = { inst: input.sourceInstanceId, day: input.snapshotDay, run: input.runId };
    // Every statement below joins whole sets (the staged fleet, its devices, aliases, the day's
    // rows), where hash joins are right. The planner cannot know that: the staging tables have no
    // statistics and a new source's devices are inserted in this very transaction, so it estimates
    // one row and picks nested loops, which turned a new source's first 200,000 devices into three
    // minutes of alias look-ups.
    await tx`set local enable_nestloop = off`;
    // And no merge joins: with the default work_mem (4 MB) they sorted the staged fleet on disk
    // before every insert (an external merge of 40 MB at 100,000 devices). The narrow side of each
    // join (the resolved devices: about 100 B a device) is hashed in memory instead; a fleet larger
    // than work_mem still works, in batches.
    await tx`set local enable_mergejoin = off`;
    await tx`set local work_mem = '64MB'`;
    // The gate looked before the run staged; a close may have committed since. Under the month's
    // lock (shared with other publishes, exclusive for a close) the answer holds until commit.
    await lockMonth(tx, p.day, 'shared');
    const closed = await isMonthClosed(tx, p.day);
    if (closed && !input.force) {
      throw new GateRefusedError([`billing month ${monthOf(p.day)} was closed (invoiced) while this run was collecting`],
        'The month is closed; re-run with --force only if the invoice must change (the change is recorded).');
    }
    await tx`select core.ensure_partitions(${p.day}::date)`;
    await publishAliases({
      tx, sourceInstanceId: p.inst, snapshotDay: p.day, aliases: input.aliases, createsSites: input.createsSites,
      ...(input.siteMap ? { siteMap: input.siteMap } : {}),
    });
    // One pass over the wide staged devices resolves each into a narrow table: identity (null for a
    // device never seen), site (the unmapped site when its alias is unmapped), alias and spare rule.
    // The wide columns stay in staging, read once more by the insert of the day's rows.
    const spare = await spareRuleCase(tx, input.source, 2);
    await tx.unsafe(`
      create temp table run_devices on commit drop as
      select s.vendor_id, d.device_id, d.first_seen_on, sa.alias_id,
        coalesce(sa.site_id, (select site_id from core.sites where is_unmapped)) as site_id,
        ${spare.expression} as spare_rule_id
      from ${staging.devices} s
      left join core.devices d on d.source_instance_id = $1 and d.vendor_id = s.vendor_id
      join core.site_aliases sa on sa.source_instance_id = $1 and sa.parent_external_id is null and sa.external_id = s.org_external_id`,
    [p.inst, ...spare.params]);
    // New devices get an identity, from the narrow table; known ones are not touched (no row lock,
    // no WAL). first_seen_on moves back only when an earlier day is backfilled.
    await tx.unsafe(`
      with created as (
        insert into core.devices (source_instance_id, vendor_id, first_seen_on)
        select $1, vendor_id, $2::date from run_devices where device_id is null
        returning vendor_id, device_id)
      update run_devices rd set device_id = c.device_id from created c where rd.vendor_id = c.vendor_id`, [p.inst, p.day]);
    const [backfill] = await tx<{ earlier: boolean }[]>`select exists (select 1 from run_devices where first_seen_on > ${p.day}::date) as earlier`;
    if (backfill?.earlier) {
      await tx`update core.devices d set first_seen_on = ${p.day}::date from run_devices rd
        where d.device_id = rd.device_id and rd.first_seen_on > ${p.day}::date`;
    }
    // A source-day published for the first time (the nightly case) is a plain insert; a re-run
    // replaces the slice, writing only rows that changed.
    const republished = (await tx`
      select 1 from ops.source_days where source_instance_id = ${p.inst} and snapshot_day = ${p.day}`).length > 0;
    const devices = await writeSlice(tx, p, republished, DEVICE_SLICE, sliceSelect(DEVICE_DAY_COLUMNS, staging.devices), input.afterDeviceDays);
    const patch = await writeSlice(tx, p, republished, PATCH_SLICE, sliceSelect(PATCH_STATUS_COLUMNS, staging.patch));
    if (input.summary) await publishSummary(tx, p, input.summary);
    if (input.vulnDb) await publishVulnDb(tx, p, input.vulnDb);
    await tx`
      insert into ops.source_days (source_instance_id, snapshot_day, run_id, device_count, patch_status_count, is_complete)
      values (${p.inst}, ${p.day}, ${p.run}, ${devices.rows}, ${patch.rows}, ${input.complete})
      on conflict (source_instance_id, snapshot_day) do update set
        run_id = excluded.run_id, published_at = now(), device_count = excluded.device_count,
        patch_status_count = excluded.patch_status_count, is_complete = excluded.is_complete`;
    if (closed) {
      await tx`insert into ops.forced_changes (month, run_id, action, reason)
        values (date_trunc('month', ${p.day}::date)::date, ${p.run}, ${'collect ' + input.source}, 'published into a closed month with --force')`;
    }
    const result = { devicesChanged: devices.changed, devicesRemoved: devices.removed, patchChanged: patch.changed, patchRemoved: patch.removed };
    await input.finish(tx, result);
    return result;
  });
}

const SPARE_FIELDS: Record<string, string> = {
  display_name: 'coalesce(s.display_name, s.hostname)',
  location: 's.location_name',
  vendor_class: 's.vendor_class',
};

/**
 * The source's enabled spare rules as one CASE expression over the staged row (s), in priority
 * order, the first match deciding: evaluated inline, where a lateral subquery per device would
 * re-read and sort the rules for every row. Patterns are bound parameters from $first on.
 */
async function spareRuleCase(tx: TransactionSql, source: string, first: number): Promise<{ expression: string; params: string[] }> {
  const rules = await tx<{ rule_id: string; field: string; pattern: string }[]>`
    select rule_id, field, pattern from core.spare_rules
    where enabled and (source is null or source = ${source}) and field in ${tx(Object.keys(SPARE_FIELDS))}
    order by priority, rule_id`;
  if (rules.length === 0) return { expression: 'null::text', params: [] };
  const params: string[] = [];
  const branches = rules.map((rule) => {
    params.push(rule.pattern, rule.rule_id);
    const n = first + params.length - 2;
    return `when ${SPARE_FIELDS[rule.field]} ilike $${n}::text then $${n + 1}::text`;
  });
  return { expression: `case ${branches.join(' ')} end`, params };
}

interface Slice { table: string; columns: string[]; compared: string[] }

const sliceOf = (table: string, columns: ReadonlyArray<{ name: string; compared: boolean }>): Slice => ({
  table, columns: columns.map((c) => c.name), compared: columns.filter((c) => c.compared).map((c) => c.name),
});
const DEVICE_SLICE = sliceOf(DEVICE_DAY_FACT.table, DEVICE_DAY_COLUMNS);
const PATCH_SLICE = sliceOf(PATCH_STATUS_FACT.table, PATCH_STATUS_COLUMNS);
const KEY = FACT_KEY.map((c) => c.name);

/**
 * Write one table's slice of the source-day from \`rows\` (a select yielding KEY + columns, with $1
 * day, $2 source instance, $3 run). First publish: one insert. Re-run: delete the rows the snapshot
 * no longer has (or has under another site), update the rows that differ, insert the new ones.
 * Unchanged rows are not touched at all: no new version, no row lock, no WAL (ON CONFLICT DO
 * UPDATE would lock every conflicting row even when its WHERE skips the update).
 */
async function writeSlice(
  tx: TransactionSql, p: { inst: number; day: string; run: number }, republished: boolean, slice: Slice, rows: string,
  afterWrite?: () => Promise<void>,
): Promise<{ rows: number; changed: number; removed: number }> {
  const { columns, compared } = slice;
  // Straight into the day's partition (ensured above): the rows need no routing through the parent.
  const table = dayPartition(slice.table, p.day);
  const all = [...KEY, ...columns];
  const params = [p.day, p.inst, p.run];
  if (!republished) {
    const inserted = await tx.unsafe(`insert into ${table} (${all.join(', ')}) select ${all.join(', ')} from (${rows}) r`, params);
    await afterWrite?.();
    return { rows: inserted.count, changed: inserted.count, removed: 0 };
  }
  const staged = await tx.unsafe(`create temp table run_slice on commit drop as ${rows}`, params);
  const removed = await tx.unsafe(`
    delete from ${table} t
    where t.snapshot_day = $1::date and t.source_instance_id = $2
      and not exists (select 1 from run_slice r where r.device_id = t.device_id and r.site_id = t.site_id)`, [p.day, p.inst]);
  const updated = await tx.unsafe(`
    update ${table} t set ${columns.map((c) => `${c} = r.${c}`).join(', ')}
    from run_slice r
    where t.snapshot_day = $1::date and t.site_id = r.site_id and t.device_id = r.device_id
      and (${compared.map((c) => `t.${c}`).join(', ')}) is distinct from (${compared.map((c) => `r.${c}`).join(', ')})`, [p.day]);
  const inserted = await tx.unsafe(`
    insert into ${table} (${all.join(', ')}) select ${all.join(', ')} from run_slice r
    where not exists (select 1 from ${table} t where t.snapshot_day = $1::date and t.site_id = r.site_id and t.device_id = r.device_id)`, [p.day]);
  await tx.unsafe('drop table run_slice');
  await afterWrite?.();
  return { rows: staged.count, changed: updated.count + inserted.count, removed: removed.count };
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

async function publishVulnDb(tx: TransactionSql, p: { inst: number; day: string; run: number }, row: VulnDbStatusRow): Promise<void> {
  await tx`
    insert into core.pmp_db_updates (source_instance_id, snapshot_day, run_id, fetched_at, last_db_update_status,
      last_db_update_at, next_db_update_at, auto_update_disabled, fetch_error)
    values (${p.inst}, ${p.day}, ${p.run}, ${row.fetchedAt}, ${row.lastUpdateStatus}, ${row.lastUpdateAt}, ${row.nextUpdateAt},
      ${row.autoUpdateDisabled}, ${row.fetchError})
    on conflict (source_instance_id, snapshot_day) do update set
      run_id = excluded.run_id, fetched_at = excluded.fetched_at, last_db_update_status = excluded.last_db_update_status,
      last_db_update_at = excluded.last_db_update_at, next_db_update_at = excluded.next_db_update_at,
      auto_update_disabled = excluded.auto_update_disabled, fetch_error = excluded.fetch_error`;
}

/**
 * Scale-out onto Citus (DESIGN.md §11), as one list: which tables are distributed by site_id, which
 * become reference tables, and the known exceptions with why. From it come the rules checked against
 * the live schema (tests/warehouse/scale-out.test.ts, and `warehouse citus-plan` before printing) and
 * the statements that distribute an existing warehouse.
 *
 * Citus's rules for a table distributed by a column: every primary key and unique index includes that
 * column; a foreign key between two distributed tables includes it on both sides; a reference table
 * may not reference a distributed one. Tables distributed by the same column are co-located, so a
 * client's rows sit on one shard and per-client queries never leave it.
 */
import type { Sql } from 'postgres';

export const DISTRIBUTION_COLUMN = 'site_id';

/** The schemas whose tables the warehouse owns, each of which this list places. */
export const WAREHOUSE_SCHEMAS = ['core', 'ops', 'rollup', 'raw'] as const;

/** The warehouse's other schemas, which hold no table to place, and why. */
export const UNPLACED_SCHEMAS: Readonly<Record<string, string>> = {
  staging: 'intermediate views only: they read the placed tables',
  bi: 'the reader views only',
  run: 'each collect run\'s work tables, created, filled and dropped by the run on the coordinator: never distributed',
  drizzle: 'the migration history, on the coordinator',
};

/** Tables that grow with devices × days or months: distributed by site_id, co-located (the first is the anchor). */
export const DISTRIBUTED_TABLES = [
  'core.device_days', 'core.patch_status', 'core.device_matches', 'core.exceptions', 'core.match_keys', 'core.current_findings',
  'rollup.daily_counts', 'rollup.month_end_devices', 'rollup.month_end_counts', 'rollup.month_end_sites',
  'rollup.patch_exposure', 'rollup.patch_site_instance_days', 'rollup.patch_device_latest',
] as const;

/** Small tables every node needs whole (sites, aliases, source roles, rules, settings, runs and their bookkeeping): reference tables. */
export const REFERENCE_TABLES = [
  'core.sites', 'core.site_aliases', 'core.source_roles', 'core.spare_rules', 'core.settings', 'core.compliance_rules', 'core.compliance_settings',
  'core.pmp_summaries', 'core.pmp_db_updates', 'core.compliance_site_overrides', 'ops.compliance_rule_changes',
  // Month-end verdicts include the estate scope, whose site_id is null: a distribution column cannot be.
  'rollup.month_end_compliance',
  'ops.source_instances', 'ops.sync_runs', 'ops.source_days', 'ops.quarantine', 'ops.billing_months', 'ops.rollup_requests',
  'ops.setting_changes', 'ops.forced_changes', 'ops.exception_refreshes', 'ops.retention_pending_days',
  'rollup.month_ends', 'rollup.closed_month_changes', 'rollup.patch_exposure_days',
  'rollup.patch_scope_computed', 'rollup.patch_device_latest_computed',
  // A handful of conditions and the alerts about them (the estate, sources, findings): small and read whole.
  'core.alert_conditions', 'ops.alerts',
] as const;

export type Rule =
  | 'distribution column' // a distributed table has a NOT NULL site_id
  | 'unique without site_id' // a primary key or unique index of a distributed table lacks site_id
  | 'foreign key without site_id' // a foreign key between distributed tables lacks site_id on a side
  | 'reference to a distributed table' // a reference (or local) table has a foreign key into a distributed one
  | 'not a reference table'; // a table that is neither distributed nor a reference table

export interface ScaleOutException {
  /** A table large enough to distribute, which the rules stop today. */
  table: string;
  /** The rules it breaks as a distributed table. */
  breaks: Rule[];
  /** Where the plan puts it instead. */
  placement: 'reference' | 'local';
  reason: string;
}

/**
 * Large tables that cannot be distributed by site_id as the schema stands. Each is a schema change
 * still to make, not a licence: the test fails when one no longer breaks its rules (remove it here)
 * and when a table breaks a rule without being listed.
 */
export const SCALE_OUT_EXCEPTIONS: readonly ScaleOutException[] = [
  {
    table: 'core.devices', breaks: ['distribution column', 'unique without site_id'], placement: 'reference',
    reason: 'one row per device ever seen, keyed by (source instance, vendor id) with no site_id: a device moves between sites, so its identity cannot live on one site\'s shard. Replicated to every node, which keeps joins from any shard local; at millions of devices that is the table to rethink.',
  },
  {
    table: 'ops.billing_seals', breaks: ['distribution column', 'unique without site_id'], placement: 'reference',
    reason: 'one row per device per closed month, keyed (month, source_instance_id, device_id) without site_id: the seal covers a month as invoiced across sites. Replicated until its key carries the site the device was billed to.',
  },
  {
    table: 'raw.pages', breaks: ['distribution column'], placement: 'local',
    reason: 'vendor pages as fetched (a page spans sites, so no site_id), kept 7 days and read only when a run is replayed.',
  },
];

/** Every table that by its size belongs on the shards: the distributed ones and the exceptions. */
export const LARGE_TABLES: readonly string[] = [...DISTRIBUTED_TABLES, ...SCALE_OUT_EXCEPTIONS.map((e) => e.table)];

export interface TableFacts { name: string; columns: Array<{ name: string; notNull: boolean }> }
export interface UniqueFacts { table: string; name: string; columns: string[] }
export interface ForeignKeyFacts { table: string; name: string; columns: string[]; references: string; referencedColumns: string[] }
export interface SchemaFacts { tables: TableFacts[]; uniques: UniqueFacts[]; foreignKeys: ForeignKeyFacts[] }

export interface Violation { table: string; rule: Rule; detail: string }

/** The warehouse's own tables (partitions folded into their parent), their unique indexes and foreign keys. */
export async function readSchema(sql: Sql): Promise<SchemaFacts> {
  const schemas = [...WAREHOUSE_SCHEMAS];
  const columns = await sql<{ table: string; column: string; not_null: boolean }[]>`
    select n.nspname || '.' || c.relname as table, a.attname as column, a.attnotnull as not_null
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where c.relkind in ('r', 'p') and not c.relispartition and n.nspname = any(${schemas})
    order by 1, a.attnum`;
  const uniques = await sql<{ table: string; name: string; columns: string[] }[]>`
    select n.nspname || '.' || c.relname as table, ic.relname as name,
      array(select coalesce(a.attname::text, '(expression)') from unnest(i.indkey) with ordinality as k(attnum, ord)
            left join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum order by k.ord) as columns
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_class ic on ic.oid = i.indexrelid
    join pg_namespace n on n.oid = c.relnamespace
    where i.indisunique and not c.relispartition and n.nspname = any(${schemas})
    order by 1, 2`;
  const foreignKeys = await sql<{ table: string; name: string; columns: string[]; references: string; referenced_columns: string[] }[]>`
    select n.nspname || '.' || c.relname as table, k.conname as name,
      array(select a.attname::text from unnest(k.conkey) with ordinality as x(attnum, ord)
            join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum order by x.ord) as columns,
      rn.nspname || '.' || r.relname as references,
      array(select a.attname::text from unnest(k.confkey) with ordinality as x(attnum, ord)
            join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum order by x.ord) as referenced_columns
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    join pg_class r on r.oid = k.confrelid
    join pg_namespace rn on rn.oid = r.relnamespace
    where k.contype = 'f' and k.conparentid = 0 and not c.relispartition and n.nspname = any(${schemas})
    order by 1, 2`;
  const tables = new Map<string, TableFacts>();
  for (const row of columns) {
    const table = tables.get(row.table) ?? { name: row.table, columns: [] };
    table.columns.push({ name: row.column, notNull: row.not_null });
    tables.set(row.table, table);
  }
  return {
    tables: [...tables.values()],
    uniques: uniques.map((u) => ({ table: u.table, name: u.name, columns: u.columns })),
    foreignKeys: foreignKeys.map((f) => ({ table: f.table, name: f.name, columns: f.columns, references: f.references, referencedColumns: f.referenced_columns })),
  };
}

/**
 * Every way the schema breaks Citus's rules, judging each large table as distributed by site_id
 * (the known exceptions' violations included: isKnownException tells them apart).
 */
export function checkRules(schema: SchemaFacts, large: readonly string[] = LARGE_TABLES, reference: readonly string[] = REFERENCE_TABLES): Violation[] {
  const isLarge = new Set(large);
  const isReference = new Set(reference);
  const violations: Violation[] = [];
  for (const table of schema.tables) {
    if (isLarge.has(table.name)) {
      const column = table.columns.find((c) => c.name === DISTRIBUTION_COLUMN);
      if (!column?.notNull) violations.push({ table: table.name, rule: 'distribution column', detail: column ? `${DISTRIBUTION_COLUMN} is nullable` : `no ${DISTRIBUTION_COLUMN} column` });
    } else if (!isReference.has(table.name)) {
      violations.push({ table: table.name, rule: 'not a reference table', detail: 'listed neither as a large nor as a reference table in warehouse/scale-out.ts' });
    }
  }
  for (const unique of schema.uniques) {
    if (isLarge.has(unique.table) && !unique.columns.includes(DISTRIBUTION_COLUMN)) {
      violations.push({ table: unique.table, rule: 'unique without site_id', detail: `${unique.name} (${unique.columns.join(', ')})` });
    }
  }
  for (const fk of schema.foreignKeys) {
    const from = isLarge.has(fk.table);
    const to = isLarge.has(fk.references);
    if (from && to && !(fk.columns.includes(DISTRIBUTION_COLUMN) && fk.referencedColumns.includes(DISTRIBUTION_COLUMN))) {
      violations.push({ table: fk.table, rule: 'foreign key without site_id', detail: `${fk.name} (${fk.columns.join(', ')}) -> ${fk.references} (${fk.referencedColumns.join(', ')})` });
    } else if (!from && to) {
      violations.push({ table: fk.table, rule: 'reference to a distributed table', detail: `${fk.name} -> ${fk.references}` });
    }
  }
  return violations;
}

/** The (table, rule) pairs SCALE_OUT_EXCEPTIONS admits. */
export function isKnownException(violation: Pick<Violation, 'table' | 'rule'>): boolean {
  return SCALE_OUT_EXCEPTIONS.some((e) => e.table === violation.table && e.breaks.includes(violation.rule));
}

export interface CitusPlan { statements: string[]; problems: Violation[]; missing: string[] }

/**
 * The statements that distribute this warehouse: reference tables first, each after the tables its
 * foreign keys point at, then the distributed tables co-located with the first. Problems are the
 * violations no exception admits; missing, the listed tables this database does not have.
 */
export function citusPlan(schema: SchemaFacts): CitusPlan {
  const present = new Set(schema.tables.map((t) => t.name));
  const fallback = (placement: ScaleOutException['placement']) => SCALE_OUT_EXCEPTIONS.filter((e) => e.placement === placement && present.has(e.table)).map((e) => e.table);
  const references = referencedFirst([...REFERENCE_TABLES.filter((t) => present.has(t)), ...fallback('reference')], schema.foreignKeys);
  const distributed = DISTRIBUTED_TABLES.filter((t) => present.has(t));
  const [anchor] = distributed;
  const statements = [
    ...references.map((t) => `select create_reference_table('${t}');`),
    ...distributed.map((t) => (t === anchor
      ? `select create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}');`
      : `select create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => '${anchor}');`)),
    ...SCALE_OUT_EXCEPTIONS.filter((e) => present.has(e.table)).map((e) => `-- ${e.table}: ${e.placement === 'local' ? 'stays a local table on the coordinator' : 'a reference table'}: ${e.reason}`),
  ];
  const missing = [...DISTRIBUTED_TABLES, ...REFERENCE_TABLES, ...SCALE_OUT_EXCEPTIONS.map((e) => e.table)].filter((t) => !present.has(t));
  return { statements, problems: checkRules(schema).filter((v) => !isKnownException(v)), missing };
}

/** Order tables so that each comes after the tables (of the same list) its foreign keys reference. */
function referencedFirst(tables: string[], foreignKeys: readonly ForeignKeyFacts[]): string[] {
  const listed = new Set(tables);
  const ordered: string[] = [];
  const done = new Set<string>();
  const visit = (table: string, trail: Set<string>): void => {
    if (done.has(table) || trail.has(table)) return;
    trail.add(table);
    for (const fk of foreignKeys) if (fk.table === table && listed.has(fk.references)) visit(fk.references, trail);
    done.add(table);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}

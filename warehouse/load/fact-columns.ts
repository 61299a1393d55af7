/**
 * One column registry per staged fact table (core.device_days, core.patch_status): the run's staging
 * table (its CREATE text), the COPY encoder's column order and the publish's column lists and select
 * are all generated from these lists, so adding a column is one entry here, the migration that adds
 * it to the table, and the vendors' map.ts. tests/warehouse/fact-columns.test.ts checks each registry
 * against the migrated table's columns and names any column one has and the other has not.
 */
import type { DeviceRow, PatchStatusRow } from '../rows.js';
import type { CopyValue } from './copy.js';

/** The types a staging column may have (the published table's type, without its constraints). */
type StagingType = 'text' | 'text[]' | 'integer' | 'boolean' | 'timestamptz' | 'jsonb';

/**
 * A column the collector delivers: COPYed into the run's staging table from the vendor-neutral row,
 * then published from the staged row `s` (by `publish`, default `s.<name>`), or, with `publish: null`,
 * staged only (a join key the published table does not keep).
 */
export interface StagedColumn<Row> {
  name: string;
  stagingType: StagingType;
  value: (row: Row) => CopyValue;
  publish?: string | null;
}

/** A column the publish resolves (identity, site alias, spare rule, run): `publish` is its select expression. */
export interface ResolvedColumn {
  name: string;
  publish: string;
  /** Compared on a re-run to find the rows that changed (default true): run_id changes on every run. */
  compared?: boolean;
}

export type FactColumn<Row> = StagedColumn<Row> | ResolvedColumn;

export interface FactTable<Row> {
  /** The published, day-partitioned table. */
  table: string;
  /** In COPY order for the staged ones; the published table's own order otherwise. */
  columns: ReadonlyArray<FactColumn<Row>>;
}

export const isStaged = <Row>(column: FactColumn<Row>): column is StagedColumn<Row> => 'stagingType' in column;

/**
 * Key columns every fact table shares, resolved by the publish: $1 is the snapshot day, $2 the source
 * instance, rd the run's resolved device (site and identity).
 */
export const FACT_KEY: readonly ResolvedColumn[] = [
  { name: 'site_id', publish: 'rd.site_id' },
  { name: 'snapshot_day', publish: '$1::date' },
  { name: 'device_id', publish: 'rd.device_id' },
  { name: 'source_instance_id', publish: '$2::int' },
];

/** The run, $3 in the publish's select. */
const RUN_ID: ResolvedColumn = { name: 'run_id', publish: '$3::bigint', compared: false };

export const DEVICE_DAY_FACT: FactTable<DeviceRow> = {
  table: 'core.device_days',
  columns: [
    { name: 'alias_id', publish: 'rd.alias_id' },
    RUN_ID,
    { name: 'vendor_id', stagingType: 'text', value: (r) => r.vendorId },
    // The alias the device belongs to: resolved to alias_id and site_id, not kept on the day row.
    { name: 'org_external_id', stagingType: 'text', value: (r) => r.orgExternalId, publish: null },
    { name: 'location_name', stagingType: 'text', value: (r) => r.locationName },
    { name: 'display_name', stagingType: 'text', value: (r) => r.displayName },
    { name: 'hostname', stagingType: 'text', value: (r) => r.hostname },
    { name: 'fqdn', stagingType: 'text', value: (r) => r.fqdn },
    { name: 'serial_number', stagingType: 'text', value: (r) => r.serialNumber },
    { name: 'mac_addresses', stagingType: 'text[]', value: (r) => r.macAddresses, publish: "coalesce(s.mac_addresses, '{}')" },
    { name: 'ip_addresses', stagingType: 'text[]', value: (r) => r.ipAddresses, publish: "coalesce(s.ip_addresses, '{}')" },
    { name: 'os_name', stagingType: 'text', value: (r) => r.osName },
    { name: 'os_build', stagingType: 'text', value: (r) => r.osBuild },
    { name: 'vendor_class', stagingType: 'text', value: (r) => r.vendorClass },
    { name: 'device_class', stagingType: 'text', value: (r) => r.deviceClass },
    { name: 'is_spare', publish: 'rd.spare_rule_id is not null' },
    { name: 'spare_rule_id', publish: 'rd.spare_rule_id' },
    { name: 'online', stagingType: 'boolean', value: (r) => r.online },
    { name: 'last_contact_at', stagingType: 'timestamptz', value: (r) => r.lastContactAt },
    { name: 'last_user', stagingType: 'text', value: (r) => r.lastUser },
    { name: 'agent_version', stagingType: 'text', value: (r) => r.agentVersion },
    { name: 'extras', stagingType: 'jsonb', value: (r) => r.extras, publish: "coalesce(s.extras, '{}'::jsonb)" },
  ],
};

export const PATCH_STATUS_FACT: FactTable<PatchStatusRow> = {
  table: 'core.patch_status',
  columns: [
    // Joins the staged row to its device; the published row is keyed by device_id.
    { name: 'vendor_id', stagingType: 'text', value: (r) => r.vendorId, publish: null },
    RUN_ID,
    { name: 'missing_critical', stagingType: 'integer', value: (r) => r.missingCritical },
    { name: 'missing_important', stagingType: 'integer', value: (r) => r.missingImportant },
    { name: 'missing_moderate', stagingType: 'integer', value: (r) => r.missingModerate },
    { name: 'missing_low', stagingType: 'integer', value: (r) => r.missingLow },
    { name: 'missing_unrated', stagingType: 'integer', value: (r) => r.missingUnrated },
    { name: 'missing_os', stagingType: 'integer', value: (r) => r.missingOs },
    { name: 'missing_third_party', stagingType: 'integer', value: (r) => r.missingThirdParty },
    { name: 'missing_driver', stagingType: 'integer', value: (r) => r.missingDriver },
    { name: 'missing_bios', stagingType: 'integer', value: (r) => r.missingBios },
    { name: 'installed_count', stagingType: 'integer', value: (r) => r.installedCount },
    { name: 'last_scan_at', stagingType: 'timestamptz', value: (r) => r.lastScanAt },
    { name: 'last_successful_scan_at', stagingType: 'timestamptz', value: (r) => r.lastSuccessfulScanAt },
    { name: 'scan_status', stagingType: 'text', value: (r) => r.scanStatus },
    { name: 'health_status', stagingType: 'text', value: (r) => r.healthStatus },
    { name: 'installed_os', stagingType: 'integer', value: (r) => r.installedByKind.os },
    { name: 'installed_third_party', stagingType: 'integer', value: (r) => r.installedByKind.thirdParty },
    { name: 'installed_driver', stagingType: 'integer', value: (r) => r.installedByKind.driver },
    { name: 'installed_bios', stagingType: 'integer', value: (r) => r.installedByKind.bios },
    { name: 'total_os', stagingType: 'integer', value: (r) => r.totalByKind.os },
    { name: 'total_third_party', stagingType: 'integer', value: (r) => r.totalByKind.thirdParty },
    { name: 'total_driver', stagingType: 'integer', value: (r) => r.totalByKind.driver },
    { name: 'total_bios', stagingType: 'integer', value: (r) => r.totalByKind.bios },
    { name: 'last_patched_at', stagingType: 'timestamptz', value: (r) => r.lastPatchedAt },
  ],
};

/** The staging table's columns, in COPY order. */
export function stagedColumns<Row>(fact: FactTable<Row>): Array<StagedColumn<Row>> {
  return fact.columns.filter(isStaged);
}

/** The CREATE text of a run's staging table for the fact table. */
export function stagingTableSql<Row>(fact: FactTable<Row>, name: string): string {
  const columns = stagedColumns(fact).map((c) => `${c.name} ${c.stagingType}`).join(', ');
  return `create unlogged table ${name} (${columns}) with (autovacuum_enabled = false)`;
}

/** The COPY encoder: one row's values in the staging table's column order. */
export function copyEncoder<Row>(fact: FactTable<Row>): (row: Row) => CopyValue[] {
  const values = stagedColumns(fact).map((c) => c.value);
  const n = values.length;
  return (row) => {
    const out = new Array<CopyValue>(n);
    for (let i = 0; i < n; i += 1) out[i] = (values[i] as (row: Row) => CopyValue)(row);
    return out;
  };
}

/** The published table's columns other than FACT_KEY, each with its select expression. */
export function publishedColumns<Row>(fact: FactTable<Row>): Array<{ name: string; select: string; compared: boolean }> {
  return fact.columns.flatMap((c) => {
    if (isStaged(c)) return c.publish === null ? [] : [{ name: c.name, select: c.publish ?? `s.${c.name}`, compared: true }];
    return [{ name: c.name, select: c.publish, compared: c.compared ?? true }];
  });
}

/**
 * Row builders for the patch-compliance view tests: they write published source-days straight into
 * core/ops (what publish.ts would leave behind), so each test states exactly the rows it is given.
 */
import type { Sql } from 'postgres';

export interface PatchRow {
  critical: number | null;
  important?: number | null;
  moderate?: number | null;
  low?: number | null;
  unrated?: number | null;
  os?: number | null;
  thirdParty?: number | null;
  lastScanAt?: string | null;
  lastSuccessfulScanAt?: string | null;
  scanStatus?: string | null;
  healthStatus?: string | null;
}

export interface DeviceDay {
  instanceId: number;
  siteId: number;
  day: string;
  vendorId: string;
  spareRule?: string;
  lastContactAt: string | null;
  deviceClass?: string;
  /** null: the source reported no patch status for the device that day. */
  patch: PatchRow | null;
}

/** Counts left out are 0; an explicit null means the vendor did not say. */
const or0 = (value: number | null | undefined): number | null => (value === undefined ? 0 : value);

export class PatchFixtures {
  private readonly aliases = new Map<string, number>();
  private readonly runs = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  async instance(source: string, instance = 'default'): Promise<number> {
    const [row] = await this.sql<{ id: number }[]>`
      insert into ops.source_instances (source, instance) values (${source}, ${instance})
      on conflict (source, instance) do update set source = excluded.source
      returning source_instance_id as id`;
    return row!.id;
  }

  async site(name: string): Promise<number> {
    const [row] = await this.sql<{ id: number }[]>`
      insert into core.sites (name, normalized_name) values (${name}, ${name.toLowerCase()}) returning site_id as id`;
    return row!.id;
  }

  /** Publishes a source-day whose run started at `startedAt` (default 02:00 UTC that day). */
  async publish(instanceId: number, day: string, startedAt = `${day}T02:00:00Z`): Promise<number> {
    const [run] = await this.sql<{ id: number }[]>`
      insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code)
      values (${instanceId}, ${day}, ${startedAt}, ${startedAt}, 'succeeded', 0) returning run_id as id`;
    await this.sql`select core.ensure_partitions(${day}::date)`;
    await this.sql`
      insert into ops.source_days (source_instance_id, snapshot_day, run_id, device_count, patch_status_count, is_complete)
      values (${instanceId}, ${day}, ${run!.id}, 0, 0, true)`;
    this.runs.set(`${instanceId}/${day}`, run!.id);
    return run!.id;
  }

  async device(d: DeviceDay): Promise<void> {
    const runId = this.runs.get(`${d.instanceId}/${d.day}`);
    if (runId === undefined) throw new Error(`publish ${d.instanceId}/${d.day} first`);
    const aliasId = await this.alias(d.instanceId, d.siteId);
    const [device] = await this.sql<{ id: number }[]>`
      insert into core.devices (source_instance_id, vendor_id, first_seen_on)
      values (${d.instanceId}, ${d.vendorId}, ${d.day})
      on conflict (source_instance_id, vendor_id) do update set first_seen_on = least(core.devices.first_seen_on, excluded.first_seen_on)
      returning device_id as id`;
    await this.sql`
      insert into core.device_days (site_id, snapshot_day, device_id, source_instance_id, alias_id, run_id, vendor_id,
        display_name, hostname, mac_addresses, ip_addresses, device_class, is_spare, spare_rule_id, online, last_contact_at, extras)
      values (${d.siteId}, ${d.day}, ${device!.id}, ${d.instanceId}, ${aliasId}, ${runId}, ${d.vendorId},
        ${d.vendorId.toUpperCase()}, ${d.vendorId}, '{}', '{}', ${d.deviceClass ?? 'workstation'}, ${d.spareRule !== undefined},
        ${d.spareRule ?? null}, true, ${d.lastContactAt}, '{}')`;
    if (d.patch === null) return;
    const p = d.patch;
    await this.sql`
      insert into core.patch_status (site_id, snapshot_day, device_id, source_instance_id, run_id, missing_critical,
        missing_important, missing_moderate, missing_low, missing_unrated, missing_os, missing_third_party,
        last_scan_at, last_successful_scan_at, scan_status, health_status)
      values (${d.siteId}, ${d.day}, ${device!.id}, ${d.instanceId}, ${runId}, ${p.critical}, ${or0(p.important)},
        ${or0(p.moderate)}, ${or0(p.low)}, ${or0(p.unrated)}, ${p.os ?? null}, ${p.thirdParty ?? null},
        ${p.lastScanAt ?? null}, ${p.lastSuccessfulScanAt ?? null}, ${p.scanStatus ?? null}, ${p.healthStatus ?? null})`;
  }

  async summary(instanceId: number, day: string, metrics: Record<string, number | boolean | string>, takenAt = `${day}T02:00:00Z`): Promise<void> {
    await this.sql`
      insert into core.pmp_summaries (source_instance_id, snapshot_day, run_id, taken_at, metrics, severity_sum_difference, notes)
      values (${instanceId}, ${day}, 0, ${takenAt}, ${this.sql.json(metrics)}, 0, '{}')`;
  }

  private async alias(instanceId: number, siteId: number): Promise<number> {
    const key = `${instanceId}/${siteId}`;
    const known = this.aliases.get(key);
    if (known !== undefined) return known;
    const [row] = await this.sql<{ id: number }[]>`
      insert into core.site_aliases (source_instance_id, kind, external_id, name, site_id, mapping, first_seen_on, last_seen_on)
      values (${instanceId}, 'organization', ${String(siteId)}, ${`org ${siteId}`}, ${siteId}, 'manual', '2026-01-01', '2026-01-01')
      returning alias_id as id`;
    this.aliases.set(key, row!.id);
    return row!.id;
  }
}

/** A full 27-metric PMP summary (the shape collectors/pmp/summary.ts stores), with overrides. */
export function pmpSummary(overrides: Record<string, number | boolean | string> = {}): Record<string, number | boolean | string> {
  return {
    'patch_summary.installed_patches': 500, 'patch_summary.applicable_patches': 600, 'patch_summary.new_patches': 30,
    'patch_summary.missing_patches': 100,
    'missing_patch_severity_summary.critical_count': 20, 'missing_patch_severity_summary.important_count': 100,
    'missing_patch_severity_summary.moderate_count': 0, 'missing_patch_severity_summary.low_count': 0,
    'missing_patch_severity_summary.unrated_count': 0, 'missing_patch_severity_summary.total_count': 120,
    'system_summary.total_systems': 12, 'system_summary.healthy_systems': 8, 'system_summary.moderately_vulnerable_systems': 0,
    'system_summary.highly_vulnerable_systems': 1, 'system_summary.health_unknown_systems': 3,
    'patch_scan_summary.scanned_systems': 11, 'patch_scan_summary.unscanned_system_count': 1,
    'patch_scan_summary.scan_success_count': 10, 'patch_scan_summary.scan_failure_count': 1,
    'vulnerability_db_summary.last_db_update_status': 'Success', 'vulnerability_db_summary.last_db_update_time': Date.parse('2026-03-10T01:00:00Z'),
    'vulnerability_db_summary.is_auto_db_update_disabled': false, 'vulnerability_db_summary.db_update_in_progress': false,
    'apd_summary.number_of_apd_tasks': 2,
    'envelope.message_type': 'patch_summary', 'envelope.message_version': '1.4', 'envelope.status': 'success',
    ...overrides,
  };
}

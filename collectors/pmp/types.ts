/**
 * Patch Manager Plus payload shapes (legacy `/api/1.4`), as vendor-apis.md §3.4–3.8 describes them.
 * Every value the vendor may leave empty is typed `T | "--"`: PMP writes the string "--" for missing
 * values even in numeric fields, and some keys contain literal dots ("resource.name").
 */

/** PMP's placeholder for a missing value. */
export type Dash = '--';
export type Maybe<T> = T | Dash | null | undefined;

/** Success envelope of every legacy endpoint. */
export interface PmpEnvelope<R = Record<string, unknown>> {
  message_type?: string;
  message_response: R;
  message_version?: string;
  status: 'success';
  /** Only in newer doc samples. */
  response_code?: number;
}

/** An error answered with HTTP 200 (or 4xx/5xx): `{status:"error", error_code, error_description}`. */
export interface PmpErrorBody {
  message_type?: string;
  status: 'error';
  error_code: string;
  error_description: string;
}

/** The paged part of `message_response`: `total` is the whole collection, rows are under the endpoint's key. */
export interface PagedResponse<Row> {
  total: number;
  limit: number;
  page: number;
  rows: Row[];
}

/** `/patch/scandetails` row: the richer identity set (MAC, agent version, customer, branch office). */
export interface ScanDetailsRow {
  resource_id: number;
  resource_id_string?: Maybe<string>;
  resource_name?: Maybe<string>;
  'resource.name'?: Maybe<string>;
  domain_netbios_name?: Maybe<string>;
  'resource.domain_netbios_name'?: Maybe<string>;
  fqdn_name?: Maybe<string>;
  ip_address?: Maybe<string>;
  mac_address?: Maybe<string>;
  branch_office_id?: Maybe<number>;
  branch_office_name?: Maybe<string>;
  customer_id?: Maybe<number>;
  os_name?: Maybe<string>;
  os_platform?: Maybe<number>;
  os_platform_name?: Maybe<string>;
  service_pack?: Maybe<string>;
  agent_version?: Maybe<string>;
  agent_installed_on?: Maybe<number>;
  agent_last_contact_time?: Maybe<number>;
  agent_logged_on_users?: Maybe<string>;
  computer_live_status?: Maybe<number>;
  installation_status?: Maybe<number>;
  last_scan_time?: Maybe<number>;
  last_successful_scan?: Maybe<number>;
  scan_status?: Maybe<number>;
  resource_health_status?: Maybe<number>;
  'managedcomputer.friendly_name'?: Maybe<string>;
  [key: string]: unknown;
}

/** `/patch/allsystems` row: identity basics plus per-system patch counts by severity and kind. */
export interface AllSystemsRow extends ScanDetailsRow {
  last_patched_time?: Maybe<number>;
  critical_patch_count?: Maybe<number>;
  important_patch_count?: Maybe<number>;
  moderate_patch_count?: Maybe<number>;
  low_patch_count?: Maybe<number>;
  unrated_patch_count?: Maybe<number>;
  installed_ms_patches?: Maybe<number>;
  missing_ms_patches?: Maybe<number>;
  total_ms_patches?: Maybe<number>;
  installed_tp_patches?: Maybe<number>;
  missing_tp_patches?: Maybe<number>;
  total_tp_patches?: Maybe<number>;
  installed_driver_patches?: Maybe<number>;
  missing_driver_patches?: Maybe<number>;
  total_driver_patches?: Maybe<number>;
  installed_bios_patches?: Maybe<number>;
  missing_bios_patches?: Maybe<number>;
  total_bios_patches?: Maybe<number>;
}

/** `message_response.summary` of `/api/1.4/patch/summary` (live sample: P2 Appendix A). */
export interface PatchSummary {
  patch_summary: { installed_patches: number; applicable_patches: number; new_patches: number; missing_patches: number };
  missing_patch_severity_summary: {
    critical_count: number; important_count: number; moderate_count: number; low_count: number;
    unrated_count: number; total_count: number;
  };
  system_summary: {
    total_systems: number; healthy_systems: number; moderately_vulnerable_systems: number;
    highly_vulnerable_systems: number; health_unknown_systems: number;
  };
  patch_scan_summary: { scanned_systems: number; unscanned_system_count: number; scan_success_count: number; scan_failure_count: number };
  vulnerability_db_summary: {
    last_db_update_status: string; last_db_update_time: number;
    is_auto_db_update_disabled: boolean; db_update_in_progress: boolean;
  };
  apd_summary: { number_of_apd_tasks: number };
}

/** One MSP customer as `/dcapi/customers` lists it (shape [G]: see README "Sites"). */
export interface PmpCustomer {
  customer_id: number;
  customer_name: string;
  customer_email?: string;
  added_time?: number;
  updated_time?: number;
}

/** Scan status codes (§3.8). */
export const SCAN_STATUS: Readonly<Record<number, string>> = { 226: 'failed', 227: 'in_progress', 228: 'success', 229: 'not_scanned' };
/** resource_health_status codes (§3.8). */
export const HEALTH_STATUS: Readonly<Record<number, string>> = { 0: 'unknown', 1: 'healthy', 2: 'vulnerable', 3: 'highly_vulnerable' };

/** The endpoints the collector reads. */
export const PATHS = {
  login: 'api/1.4/desktop/authentication',
  summary: 'api/1.4/patch/summary',
  scandetails: 'api/1.4/patch/scandetails',
  allsystems: 'api/1.4/patch/allsystems',
  customers: 'dcapi/customers',
  dbupdatestatus: 'api/1.4/patch/dbupdatestatus',
} as const;

/**
 * `message_response.dbupdatestatus` of `/api/1.4/patch/dbupdatestatus`, as ManageEngine's sample
 * response shows it (Endpoint Central help, "Retrieve Patch Database Update Status"). The fields are
 * the documented sample's; none is marked required there, so each may be missing.
 */
export interface DbUpdateStatus {
  last_db_update_status?: Maybe<string>;
  last_db_update_time?: Maybe<number>;
  next_db_update_scheduled_time?: Maybe<number>;
  is_auto_db_update_disabled?: boolean | 'true' | 'false' | Dash | null;
}

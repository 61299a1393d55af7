/**
 * Vendor-neutral rows a collector hands to the run lifecycle. Mapping (vendor payload -> these rows)
 * is pure and lives in each vendor's map.ts; everything after this point is the warehouse's job.
 * Instants are Date, calendar days are 'YYYY-MM-DD' strings, absent values are null (never "--", 0 or "").
 */

/** Every device class, in the order listings show them: the gate, validation and `billing policy` read this list. */
export const DEVICE_CLASSES = ['workstation', 'server', 'vm_host', 'vm_guest', 'mobile', 'network', 'other'] as const;

export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/**
 * The billing policy a new warehouse starts with (core.settings' column defaults, `billing policy`'s
 * help, and the fallback should the settings row be missing): workstations and servers are seats, a
 * billed device silent for 30 days is flagged stale.
 */
export const DEFAULT_BILLING_POLICY: { readonly billedClasses: readonly DeviceClass[]; readonly staleAfterDays: number } = {
  billedClasses: ['workstation', 'server'],
  staleAfterDays: 30,
};

/** A vendor's notion of a client (or a part of one) that maps to a canonical site. */
export interface AliasRow {
  /** The vendor's id for it, as text: NinjaOne organization id, ThreatLocker organizationId GUID, PMP customer or branch office id. */
  externalId: string;
  name: string;
  /** organization | location | child_organization | customer | branch_office */
  kind: 'organization' | 'location' | 'child_organization' | 'customer' | 'branch_office';
  /** For a location: the organization it belongs to. Only aliases without a parent become sites. */
  parentExternalId: string | null;
}

/** One device as the vendor lists it on the snapshot day. */
export interface DeviceRow {
  /** Identity within the source instance: NinjaOne id, ThreatLocker computerId, PMP resource_id. */
  vendorId: string;
  /** The alias (externalId, kind without parent) the device belongs to. */
  orgExternalId: string;
  /** Location / computer group / branch office name, used by the spare rules. */
  locationName: string | null;
  displayName: string | null;
  /** Bare host name as the vendor reports it (not normalised). */
  hostname: string | null;
  /** FQDN where the vendor gives one. */
  fqdn: string | null;
  serialNumber: string | null;
  /** Upper-case colon form, de-duplicated. */
  macAddresses: string[];
  ipAddresses: string[];
  osName: string | null;
  osBuild: string | null;
  /** The vendor's own class label: NinjaOne nodeClass, ThreatLocker osType as text, PMP os_platform_name. */
  vendorClass: string | null;
  deviceClass: DeviceClass;
  online: boolean | null;
  lastContactAt: Date | null;
  lastUser: string | null;
  agentVersion: string | null;
  /** Vendor-specific facts worth keeping typed loosely: ThreatLocker mode and deny counts, NinjaOne deviceType, ... */
  extras: Record<string, unknown>;
}

/** Per device per day patch picture. Counts are null where the vendor does not say. */
export interface PatchStatusRow {
  vendorId: string;
  missingCritical: number | null;
  missingImportant: number | null;
  missingModerate: number | null;
  missingLow: number | null;
  missingUnrated: number | null;
  missingOs: number | null;
  missingThirdParty: number | null;
  missingDriver: number | null;
  missingBios: number | null;
  installedCount: number | null;
  lastScanAt: Date | null;
  lastSuccessfulScanAt: Date | null;
  /** success | failed | in_progress | not_scanned | null */
  scanStatus: string | null;
  /** The vendor's health label, e.g. PMP healthy | vulnerable | highly_vulnerable | unknown. */
  healthStatus: string | null;
  /**
   * Per kind (OS = Microsoft, third-party, driver, BIOS): installed and applicable (total) patches,
   * null where the vendor does not give them (NinjaOne gives none; PMP "--" for a kind that does not
   * apply, e.g. BIOS on a VM).
   */
  installedByKind: KindCounts;
  totalByKind: KindCounts;
  /** When a patch was last installed on the device (PMP last_patched_time). */
  lastPatchedAt: Date | null;
}

export interface KindCounts { os: number | null; thirdParty: number | null; driver: number | null; bios: number | null }

export const NO_KIND_COUNTS: Readonly<KindCounts> = Object.freeze({ os: null, thirdParty: null, driver: null, bios: null });

/**
 * PMP's `/api/1.4/patch/dbupdatestatus`: the vulnerability database's update status at the fetch, or
 * why it could not be read (`fetchError`, with every value null).
 */
export interface VulnDbStatusRow {
  fetchedAt: Date;
  lastUpdateStatus: string | null;
  lastUpdateAt: Date | null;
  nextUpdateAt: Date | null;
  autoUpdateDisabled: boolean | null;
  fetchError: string | null;
}

/**
 * PMP's environment-wide /patch/summary, flattened: keys are `<group>.<metric>` exactly as PMP names
 * them (e.g. `missing_patch_severity_summary.critical_count`); values are numbers, booleans or strings.
 */
export interface PatchSummaryRow {
  takenAt: Date;
  metrics: Record<string, number | boolean | string | null>;
  /** Problems found by validation that do not reject the snapshot (e.g. severity sum off by one). */
  notes: string[];
  /** missing_patches minus the sum of severity counts, recorded rather than rejected. */
  severitySumDifference: number | null;
}

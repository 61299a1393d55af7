/**
 * NinjaOne payload shapes (vendor-apis.md §1.7, the official spec 2.0.9-draft). The API omits keys
 * whose value is null or empty, so everything except `id` is optional; the simulator builds these
 * same types, which keeps it and the collector honest about what the real service sends.
 */

/** Epoch seconds with a fractional part (e.g. 1759136775.901). */
export type EpochSeconds = number;

export interface NinjaOrganization {
  id: number;
  name?: string;
  description?: string;
  nodeApprovalMode?: 'AUTOMATIC' | 'MANUAL' | 'REJECT';
  userData?: Record<string, unknown>;
  tags?: string[];
  fields?: Record<string, unknown>;
}

/** `/v2/locations` rows carry organizationId; `/v2/organization/{id}/locations` rows do not. */
export interface NinjaLocation {
  id: number;
  name?: string;
  address?: string;
  description?: string;
  userData?: Record<string, unknown>;
  organizationId?: number;
}

export type NinjaDeviceType = 'AgentDevice' | 'VMGuest' | 'VMHost' | 'MdmDevice' | 'NMSTarget' | 'NMSServer'
  | 'CloudMonitorHTTP' | 'CloudMonitorPing' | 'CloudMonitorDNS' | 'CloudMonitorEmailServer' | 'CloudMonitorPortScan'
  | 'UnmanagedDevice';

export interface NinjaMaintenance {
  status?: 'PENDING' | 'IN_MAINTENANCE' | 'FAILED';
  start?: EpochSeconds;
  end?: EpochSeconds;
  reasonMessage?: string;
}

/** Fields every detailed device has (the spec's Device schema). */
export interface NinjaDeviceBase {
  id: number;
  uid?: string;
  assignedOwnerUid?: string;
  parentDeviceId?: number;
  organizationId?: number;
  locationId?: number;
  nodeClass?: string;
  nodeRoleId?: number;
  rolePolicyId?: number;
  policyId?: number;
  approvalStatus?: 'PENDING' | 'STAGED' | 'APPROVED' | 'DECOMMISSIONED';
  offline?: boolean;
  displayName?: string;
  systemName?: string;
  dnsName?: string;
  netbiosName?: string;
  created?: EpochSeconds;
  lastContact?: EpochSeconds;
  lastUpdate?: EpochSeconds;
  userData?: Record<string, unknown>;
  tags?: string[];
  maintenance?: NinjaMaintenance;
  references?: Record<string, unknown>;
  ipAddresses?: string[];
  /** May contain duplicates (vendor-apis.md §1.7, N7). */
  macAddresses?: string[];
  /** Capital "IP". */
  publicIP?: string;
  notes?: Array<{ text?: string }>;
  deviceType?: NinjaDeviceType | string;
}

export interface NinjaOs {
  manufacturer?: string;
  name?: string;
  architecture?: string;
  lastBootTime?: EpochSeconds;
  buildNumber?: string;
  releaseId?: string;
  servicePackMajorVersion?: number;
  servicePackMinorVersion?: number;
  locale?: string;
  language?: string;
  needsReboot?: boolean;
}

export interface NinjaSystem {
  name?: string;
  manufacturer?: string;
  model?: string;
  biosSerialNumber?: string;
  serialNumber?: string;
  assetSerialNumber?: string;
  domain?: string;
  domainRole?: string;
  numberOfProcessors?: number;
  totalPhysicalMemory?: number;
  virtualMachine?: boolean;
  chassisType?: string;
}

export interface NinjaProcessor {
  architecture?: string;
  name?: string;
  numCores?: number;
  numLogicalCores?: number;
  /** Hz, not MHz. */
  maxClockSpeed?: number;
  clockSpeed?: number;
}

export interface NinjaBitLockerStatus {
  conversionStatus?: string;
  encryptionMethod?: string;
  protectionStatus?: string;
  lockStatus?: string;
  initializedForProtection?: boolean;
}

export interface NinjaVolume {
  name?: string;
  driveLetter?: string;
  label?: string;
  deviceType?: string;
  fileSystem?: string;
  autoMount?: boolean;
  compressed?: boolean;
  capacity?: number;
  freeSpace?: number;
  serialNumber?: string;
  /** Present in live output, absent from the spec. */
  nodeId?: number;
  bitLockerStatus?: NinjaBitLockerStatus;
}

export interface NinjaAgentDevice extends NinjaDeviceBase {
  deviceType?: 'AgentDevice';
  os?: NinjaOs;
  system?: NinjaSystem;
  memory?: { capacity?: number };
  processors?: NinjaProcessor[];
  volumes?: NinjaVolume[];
  lastLoggedInUser?: string;
}

export interface NinjaVmGuest extends NinjaDeviceBase {
  deviceType?: 'VMGuest';
  files?: string;
  fullName?: string;
  lastBootTime?: EpochSeconds;
  memorySize?: number;
  coresPerSocket?: number;
  cpuCores?: number;
  powerState?: string;
  toolsInstallType?: string;
  toolStatus?: string;
  toolsVersion?: string;
  guestOSFullName?: string;
  guestOSFamily?: string;
  guestOSId?: string;
  toolsVersionStatus?: string;
  snapshotCount?: number;
  snapshotTotalSize?: number;
}

export interface NinjaVmHost extends NinjaDeviceBase {
  deviceType?: 'VMHost';
  cpuMhz?: number;
  cpuModel?: string;
  htActive?: boolean;
  htAvailable?: boolean;
  lastBootTime?: EpochSeconds;
  memorySize?: number;
  model?: string;
  name?: string;
  cpuCores?: number;
  cpuPackages?: number;
  cpuThreads?: number;
  serviceTag?: string;
  vendor?: string;
  releaseName?: string;
  version?: string;
  buildNumber?: string;
}

/** What `/v2/devices-detailed` lists: one of the above, discriminated by `deviceType`. */
export type NinjaDetailedDevice = NinjaAgentDevice | NinjaVmGuest | NinjaVmHost | NinjaDeviceBase;

/** Cursor of a `/v2/queries/*` envelope. */
export interface NinjaCursor {
  name?: string;
  offset?: number;
  count?: number;
  /** Epoch seconds (unit is a guess in the reference). */
  expires?: EpochSeconds;
}

export interface NinjaQueryPage<Row> {
  cursor?: NinjaCursor;
  results?: Row[];
}

/** A row of `/v2/queries/os-patches` and `/v2/queries/os-patch-installs`. */
export interface NinjaOsPatchRow {
  id?: string;
  name?: string;
  severity?: string;
  status?: string;
  type?: string;
  installedAt?: EpochSeconds;
  kbNumber?: string;
  deviceId?: number;
  timestamp?: EpochSeconds;
}

export interface NinjaTokenResponse {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
}

/** Error body as handled by the PowerShell module (vendor-apis.md §1.9). */
export interface NinjaErrorBody {
  resultCode?: string;
  errorMessage?: string;
  incidentId?: string;
}

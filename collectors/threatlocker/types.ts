/**
 * ThreatLocker Portal API payload shapes (reference/vendor-apis.md §2). The Swagger documents
 * requests only; response fields come from live-derived tables, so every response field is optional
 * here and map.ts checks what it relies on.
 */

/** Body of POST /portalapi/Computer/ComputerGetByAllParameters (Swagger `ComputerParameterDto`). */
export interface ComputerParameterDto {
  searchText: string;
  /** 1 computer name, 2 username, 3 computer group, 4 last check-in IP, 5 organization name. */
  searchBy?: number | null;
  /** Zero GUID = every group. */
  computerGroup: string;
  orderBy: ComputerOrderBy;
  isAscending: boolean;
  pageSize: number;
  /** 1-based. */
  pageNumber: number;
  /** true = the computers of every child and grandchild organization as one list. */
  childOrganizations: boolean;
  action: string;
  kindOfAction: string;
  computerId: string;
  showLastCheckIn: boolean;
  showDeleted: boolean;
  threatlockerVersion: string;
  isExport: boolean;
}

export const COMPUTER_ORDER_BY = [
  'computername', 'group', 'action', 'lastcheckin', 'computerinstalldate',
  'deniedcountthreedays', 'updatechannel', 'threatlockerversion',
] as const;
export type ComputerOrderBy = (typeof COMPUTER_ORDER_BY)[number];

/** Body of POST /portalapi/Organization/OrganizationGetChildOrganizationsByParameters (not in the Swagger). */
export interface ChildOrganizationParameters {
  pageNumber: number;
  pageSize: number;
  searchText: string;
  /** billingMethod | businessClassificationName | dateAdded | name */
  orderBy: string;
  isAscending: boolean;
  /** Include grandchildren. */
  includeAllChildren: boolean;
  includeProductBundles: boolean;
  /** Must be true or the list comes back empty (T5, live-verified). */
  childOrganizations: boolean;
}

export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** osType enumeration (§2.7): 0 is a filter value only; 7 Red Hat is seen once. */
export const OS_TYPES: Readonly<Record<number, string>> = {
  1: 'windows', 2: 'mac', 3: 'linux', 5: 'windows_xp', 7: 'red_hat',
};

/** Computer modes as the `action` filter and field spell them. */
export type ComputerAction = 'Secure' | 'Installation' | 'Learning' | 'MonitorOnly';

export interface ActiveMaintenanceMode { maintenanceTypeId: number; maintenanceEndDate: string | null }

/** One row of ComputerGetByAllParameters. */
export interface TlComputer {
  computerId: string;
  computerName?: string;
  hostname?: string;
  group?: string;
  computerGroupId?: string;
  organization?: string;
  organizationId: string;
  operatingSystem?: string;
  ipOperatingSystem?: string;
  osType?: number;
  action?: string;
  mode?: string;
  maintenanceTypeId?: number;
  maintenanceEndDate?: string | null;
  startDateTime?: string | null;
  maintenenceBannerIds?: unknown[];
  lastCheckin?: string | null;
  lastCheckinIPAddress?: string;
  lastCheckinLocalIPAddresses?: string[] | null;
  hasAtLeastOneCheckin?: boolean;
  dateAdded?: string | null;
  installDate?: string | null;
  dateCreated?: string | null;
  threatLockerVersion?: string;
  threatLockerVersionId?: string | null;
  serviceVersion?: string;
  newThreatLockerVersion?: string;
  targetThreatLockerVersion?: string;
  versionMajor?: number;
  versionMinor?: number;
  hasUnknownVersion?: boolean;
  denyCountOneDay?: number;
  denyCountThreeDays?: number;
  denyCountSevenDays?: number;
  hasZeroDeniesFourDays?: boolean;
  username?: string;
  isDeleted?: boolean;
  isIsolated?: boolean;
  isIsolationMode?: boolean;
  isLockDownMode?: boolean;
  isLockedOut?: boolean;
  isTamperProtectionDisabled?: boolean;
  isOpsAlertsDisabled?: boolean;
  isReadyToSecure?: boolean;
  isNeededReview?: boolean;
  isInheritFromGroup?: boolean;
  isLearningMoreThanFourDays?: boolean;
  isLearningModeMoreThanSeven?: boolean;
  isLearningModeLongerThanFiveYears?: boolean;
  hasInstalationAtLeastSevenDaysAgo?: boolean;
  hasComputerPassword?: boolean;
  hasConfigManagerProduct?: boolean;
  restartComputerNeeded?: boolean;
  shouldRestart?: boolean;
  uploadBaseFile?: boolean;
  progressBarLearning?: number;
  driverStatusString?: string;
  application?: string;
  appliesToType?: string;
  /** Total matching rows across all pages, repeated on every row. */
  totalRows?: number;
  serialNumber?: string | null;
  isElevated?: boolean;
  activeMaintenanceModes?: ActiveMaintenanceMode[];
  appControlLearningModeActive?: boolean;
  [key: string]: unknown;
}

export interface TlProduct {
  name: string;
  organizationId: string;
  productId: number;
  displayName: string;
  isThreatLockerProtect: boolean;
  isThreatLockerUnified: boolean;
  productTrialId: number | null;
  disablingProduct: boolean;
  isOverage: boolean;
}

/** One row of OrganizationGetChildOrganizationsByParameters. */
export interface TlOrganization {
  organizationId: string;
  name?: string;
  displayName?: string;
  dateAdded?: string | null;
  computerCount?: number;
  activeCount?: number;
  businessClassification?: number;
  businessClassificationName?: string;
  billingJson?: string;
  json?: string;
  itarCompliant?: boolean;
  lockdown?: number;
  products?: TlProduct[];
  computerDenyCountDtos?: Array<{ oneDay: number; threeDays: number; sevenDays: number; organizationId: string }>;
  [key: string]: unknown;
}

/** Error body (T5 live-verified): 401, 403, 417 validation, 500. */
export interface TlErrorBody {
  LoggerId: string;
  StatusCode: number;
  Message: string;
}

/** The `pagination` response header, JSON (T5). */
export interface TlPaginationHeader {
  currentPage: number;
  itemsPerPage: number;
  totalItems: number;
  totalPages: number;
}

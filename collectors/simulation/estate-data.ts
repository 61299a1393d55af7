/** Static catalogues for the simulated estate: names, OS releases, hardware. Values follow vendor-apis.md. */
import type { MachineKind, Vendor } from './estate.js';

export const VENDORS: readonly Vendor[] = ['ninjaone', 'threatlocker', 'pmp'];

/** Epoch ms of 00:00 UTC on a YYYY-MM-DD date; throws on anything else. */
export function dateToUtcMs(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw new Error(`invalid date "${date}": expected YYYY-MM-DD`);
  }
  return ms;
}


export const PLACES = [
  'Harbour', 'Northside', 'Bluegum', 'Riverside', 'Summit', 'Coastal', 'Westfield', 'Eastgate', 'Lakeview',
  'Pinecrest', 'Redwood', 'Ironbark', 'Silverline', 'Granite', 'Oakridge', 'Meadow', 'Highland', 'Bayside',
  'Kingsway', 'Parkside', 'Sunrise', 'Brightwater', 'Stonebridge', 'Hillcrest', 'Willow', 'Cedar', 'Maple',
  'Horizon', 'Southern Cross', 'Pacific', 'Atlantic', 'Metro', 'Capital', 'Central', 'Valley', 'Canyon',
  'Foxglove', 'Wattle', 'Jacaranda', 'Banksia', 'Copper', 'Beacon', 'Anchor', 'Lighthouse', 'Clearwater',
  'Greenway', 'Fairview', 'Rosewood', 'Elmwood', 'Ashford', 'Bellmont', 'Crestview', 'Driftwood', 'Emerald',
  'Falcon', 'Glenbrook', 'Heritage', 'Juniper', 'Kestrel', 'Lakeside', 'Mariner', 'Nautilus', 'Orchard',
] as const;

export const SURNAMES = [
  'Smith', 'Nguyen', 'Patel', 'Brown', 'Wilson', 'Taylor', 'Anderson', 'Thomas', 'Walker', 'Harris', 'Martin',
  'Thompson', 'White', 'Clarke', 'Robinson', 'Wright', 'Mitchell', 'Kelly', 'Murphy', 'Campbell', 'Stewart',
  'Morris', 'Cooper', 'Ward', 'Chen', 'Singh', 'Khan', 'Rossi', 'Muller', 'Garcia', 'Lopez', 'Kowalski',
  'OBrien', 'Fraser', 'Hughes', 'Bennett', 'Gray', 'Russell', 'Hayes', 'Doyle', 'Sullivan', 'Reid', 'Young',
  'King', 'Scott', 'Green', 'Baker', 'Adams', 'Hill', 'Turner', 'Parker', 'Evans', 'Edwards', 'Collins',
] as const;

export const FIRST_NAMES = [
  'James', 'Olivia', 'Jack', 'Emma', 'William', 'Mia', 'Noah', 'Charlotte', 'Thomas', 'Amelia', 'Lucas',
  'Sophie', 'Henry', 'Grace', 'Oliver', 'Chloe', 'Ethan', 'Ruby', 'Liam', 'Isla', 'Daniel', 'Zoe', 'Sam',
  'Priya', 'Wei', 'Ahmed', 'Fatima', 'Marco', 'Anna', 'David', 'Sarah', 'Michael', 'Laura', 'Peter', 'Kate',
] as const;

export const INDUSTRIES = [
  'Dental', 'Legal', 'Accounting', 'Medical Centre', 'Physiotherapy', 'Engineering', 'Architects', 'Logistics',
  'Plumbing', 'Electrical', 'Real Estate', 'Veterinary Clinic', 'Pharmacy', 'Construction', 'Motors',
  'Financial Planning', 'Insurance Brokers', 'Consulting', 'Freight', 'Manufacturing', 'Printing', 'Foods',
  'Wines', 'Hotel', 'Childcare', 'Grammar School', 'Surveyors', 'Optometrists', 'Radiology', 'Orthodontics',
  'Landscaping', 'Marine', 'Agriculture', 'Steel', 'Timber', 'Packaging', 'Recruitment', 'Marketing',
  'Travel', 'Storage', 'Community Services', 'Church', 'Council', 'Credit Union', 'Cabinets', 'Glass',
] as const;

/** Legal-suffix families; each vendor spells the same family differently (all normalise away). */
export const LEGAL_FAMILIES: readonly (readonly string[])[] = [
  ['Pty Ltd', 'Pty. Ltd.', 'PTY LTD', 'Pty Limited', ''],
  ['LLC', 'L.L.C.', 'llc', ', LLC', ''],
  ['Inc', 'Inc.', ', Inc.', 'INC', ''],
  ['Ltd', 'Ltd.', 'Limited', 'LTD', ''],
];

export const EXTRA_LOCATIONS = ['Branch 2', 'Warehouse', 'Remote Workers', 'Datacenter', 'Clinic 2', 'Factory', 'Branch 3'];
export const SPARE_STOCK = 'Spare Stock';

export interface OsRelease { name: string; build: string; weight: number }
export interface Hardware { manufacturer: string; model: string; serial: 'dell' | 'hp' | 'lenovo' | 'apple' | 'hyperv' | 'vmware' | 'generic'; oui: string }

export const OS: Record<MachineKind, readonly OsRelease[]> = {
  windows_workstation: [
    { name: 'Windows 11 Pro', build: '22631', weight: 35 }, { name: 'Windows 11 Pro', build: '26100', weight: 20 },
    { name: 'Windows 10 Pro', build: '19045', weight: 25 }, { name: 'Windows 11 Business', build: '22631', weight: 8 },
    { name: 'Windows 11 Enterprise', build: '22621', weight: 5 }, { name: 'Windows 10 Enterprise', build: '19044', weight: 4 },
    { name: 'Windows 10 Pro', build: '19042', weight: 3 },
  ],
  windows_server: [
    { name: 'Windows Server 2022 Standard', build: '20348', weight: 40 }, { name: 'Windows Server 2019 Standard', build: '17763', weight: 30 },
    { name: 'Windows Server 2016 Standard', build: '14393', weight: 15 }, { name: 'Windows Server 2025 Standard', build: '26100', weight: 8 },
    { name: 'Windows Server 2012 R2 Standard', build: '9600', weight: 7 },
  ],
  hyperv_host: [
    { name: 'Windows Server 2022 Datacenter', build: '20348', weight: 50 }, { name: 'Windows Server 2019 Datacenter', build: '17763', weight: 35 },
    { name: 'Windows Server 2016 Datacenter', build: '14393', weight: 15 },
  ],
  hyperv_guest: [
    { name: 'Windows Server 2022 Standard', build: '20348', weight: 45 }, { name: 'Windows Server 2019 Standard', build: '17763', weight: 30 },
    { name: 'Windows Server 2016 Standard', build: '14393', weight: 10 }, { name: 'Windows 11 Enterprise', build: '22631', weight: 8 },
    { name: 'Ubuntu 22.04.4 LTS', build: '5.15.0-105-generic', weight: 7 },
  ],
  vmware_host: [
    { name: 'VMware ESXi 8.0.1', build: '21495797', weight: 50 }, { name: 'VMware ESXi 7.0.3', build: '21930508', weight: 50 },
  ],
  vmware_guest: [
    { name: 'Windows Server 2022 Standard', build: '20348', weight: 40 }, { name: 'Windows Server 2019 Standard', build: '17763', weight: 30 },
    { name: 'Ubuntu 22.04.4 LTS', build: '5.15.0-105-generic', weight: 15 }, { name: 'Rocky Linux 9.3 (Blue Onyx)', build: '5.14.0-362.8.1.el9_3.x86_64', weight: 15 },
  ],
  mac: [
    { name: 'macOS 14.5 Sonoma', build: '23F79', weight: 40 }, { name: 'macOS 15.1 Sequoia', build: '24B83', weight: 35 },
    { name: 'macOS 13.6.7 Ventura', build: '22G720', weight: 25 },
  ],
  linux_workstation: [
    { name: 'Ubuntu 24.04.1 LTS', build: '6.8.0-45-generic', weight: 60 }, { name: 'Fedora Linux 40 (Workstation Edition)', build: '6.10.6-200.fc40.x86_64', weight: 40 },
  ],
  linux_server: [
    { name: 'Ubuntu 22.04.4 LTS', build: '5.15.0-105-generic', weight: 45 }, { name: 'Debian GNU/Linux 12 (bookworm)', build: '6.1.0-21-amd64', weight: 30 },
    { name: 'Rocky Linux 9.3 (Blue Onyx)', build: '5.14.0-362.8.1.el9_3.x86_64', weight: 25 },
  ],
};

const WS_HW: Hardware[] = [
  { manufacturer: 'Dell Inc.', model: 'OptiPlex 7010', serial: 'dell', oui: 'B0:7B:25' },
  { manufacturer: 'Dell Inc.', model: 'Latitude 5440', serial: 'dell', oui: 'C4:5A:B1' },
  { manufacturer: 'HP', model: 'HP EliteBook 840 G9 Notebook PC', serial: 'hp', oui: '64:4E:D7' },
  { manufacturer: 'HP', model: 'HP ProDesk 400 G7 Microtower PC', serial: 'hp', oui: '98:FA:9B' },
  { manufacturer: 'LENOVO', model: '21CB0061AU', serial: 'lenovo', oui: '8C:8C:AA' },
  { manufacturer: 'LENOVO', model: '11JN002UAU', serial: 'lenovo', oui: 'E8:80:88' },
  { manufacturer: 'Microsoft Corporation', model: 'Surface Laptop 5', serial: 'generic', oui: '28:16:A8' },
];
const SERVER_HW: Hardware[] = [
  { manufacturer: 'Dell Inc.', model: 'PowerEdge R750', serial: 'dell', oui: 'D0:8E:79' },
  { manufacturer: 'Dell Inc.', model: 'PowerEdge T550', serial: 'dell', oui: 'F4:02:70' },
  { manufacturer: 'HPE', model: 'ProLiant DL380 Gen10', serial: 'hp', oui: '94:40:C9' },
  { manufacturer: 'Lenovo', model: 'ThinkSystem SR650', serial: 'lenovo', oui: '08:94:EF' },
];
export const HARDWARE: Record<MachineKind, readonly Hardware[]> = {
  windows_workstation: WS_HW,
  linux_workstation: WS_HW,
  windows_server: SERVER_HW,
  linux_server: SERVER_HW,
  hyperv_host: SERVER_HW,
  vmware_host: SERVER_HW,
  mac: [
    { manufacturer: 'Apple Inc.', model: 'MacBookPro18,1', serial: 'apple', oui: 'F0:18:98' },
    { manufacturer: 'Apple Inc.', model: 'Mac14,2', serial: 'apple', oui: '3C:22:FB' },
    { manufacturer: 'Apple Inc.', model: 'Mac14,3', serial: 'apple', oui: 'A4:83:E7' },
  ],
  hyperv_guest: [{ manufacturer: 'Microsoft Corporation', model: 'Virtual Machine', serial: 'hyperv', oui: '00:15:5D' }],
  vmware_guest: [
    { manufacturer: 'VMware, Inc.', model: 'VMware7,1', serial: 'vmware', oui: '00:50:56' },
    { manufacturer: 'VMware, Inc.', model: 'VMware Virtual Platform', serial: 'vmware', oui: '00:0C:29' },
  ],
};

/**
 * Kind mix used when sampling. Hosts are sampled below their target share because the first
 * guest of a client without a host is turned into a host (guests must have a host in their client).
 */
export const KIND_WEIGHTS: ReadonlyArray<readonly [MachineKind, number]> = [
  ['windows_workstation', 59], ['hyperv_guest', 11], ['windows_server', 9], ['vmware_guest', 7.8],
  ['hyperv_host', 1.6], ['linux_server', 3], ['mac', 4], ['vmware_host', 0.05], ['linux_workstation', 1],
];

/** Chance that each vendor's agent/inventory knows a machine of this kind: [ninjaone, threatlocker, pmp]. */
export const PRESENCE: Record<MachineKind, readonly [number, number, number]> = {
  windows_workstation: [0.965, 0.97, 0.93],
  windows_server: [0.97, 0.94, 0.9],
  mac: [0.95, 0.85, 0.6],
  hyperv_host: [0.97, 0.2, 0.85],
  vmware_host: [0.98, 0, 0],
  hyperv_guest: [0.95, 0.75, 0.85],
  vmware_guest: [0.98, 0.55, 0.75],
  linux_server: [0.93, 0.3, 0.5],
  linux_workstation: [0.9, 0.5, 0.5],
};

/** Weighted pick with a uniform `u` in [0,1). */
export function weighted<T>(items: ReadonlyArray<readonly [T, number]>, u: number): T {
  let total = 0;
  for (const [, w] of items) total += w;
  let x = u * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

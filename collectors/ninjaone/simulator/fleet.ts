/**
 * One simulated day of the shared estate as a NinjaOne tenant: organizations, locations and a light
 * index of devices (ids, placement, class). Full device payloads are built per page (devices.ts), so
 * a 200k-device fleet never sits in memory as JSON objects.
 *
 * Identity follows NinjaOne: a device keeps its id for life (moves between organizations and renames
 * keep it), ids grow with creation time, organization and location ids are separate sequences.
 */
import { simulatedNow, type Estate, type EstateClient, type EstateMachine, type MachineKind } from '../../simulation/estate.js';
import { hashUnit } from '../../simulation/random.js';
import type { NinjaLocation, NinjaOrganization } from '../types.js';

/** Device ids start here, so they do not look like organization or location ids. */
export const DEVICE_ID_BASE = 1000;
const DAY_MS = 86_400_000;

export type SimDeviceType = 'AgentDevice' | 'VMGuest' | 'VMHost';

export interface SimDevice {
  id: number;
  machine: EstateMachine;
  organizationId: number;
  locationId: number;
  nodeClass: string;
  deviceType: SimDeviceType;
  parentDeviceId: number | undefined;
  approvalStatus: 'APPROVED' | 'PENDING';
  offline: boolean;
}

export interface FleetDay {
  date: string;
  /** The instant the day is observed at (12:00 UTC), epoch ms. */
  nowMs: number;
  seed: number;
  organizations: NinjaOrganization[];
  locations: NinjaLocation[];
  /** Ascending by id. */
  devices: SimDevice[];
  byId: Map<number, SimDevice>;
}

const NODE_CLASS: Record<MachineKind, [string, SimDeviceType]> = {
  windows_workstation: ['WINDOWS_WORKSTATION', 'AgentDevice'],
  windows_server: ['WINDOWS_SERVER', 'AgentDevice'],
  mac: ['MAC', 'AgentDevice'],
  linux_workstation: ['LINUX_WORKSTATION', 'AgentDevice'],
  linux_server: ['LINUX_SERVER', 'AgentDevice'],
  // A Hyper-V host runs the Windows agent; guests and ESXi hosts are discovered agentless.
  hyperv_host: ['HYPERV_VMM_HOST', 'AgentDevice'],
  hyperv_guest: ['HYPERV_VMM_GUEST', 'VMGuest'],
  vmware_host: ['VMWARE_VM_HOST', 'VMHost'],
  vmware_guest: ['VMWARE_VM_GUEST', 'VMGuest'],
};

export const deviceIdOf = (key: number): number => DEVICE_ID_BASE + key;
export const locationIdOf = (clientId: number, index: number): number => (clientId - 1) * 10 + index + 1;

export function fleetDay(estate: Estate, date: string): FleetDay {
  const seed = estate.options.seed;
  const nowMs = simulatedNow(date);
  const allClients = estate.day(date).clients;
  const clients = allClients.filter((client) => client.presence.ninjaone);
  const organizations = clients.map((client) => organization(seed, client));
  const locations = clients.flatMap((client) => client.locations.map((name, index) => location(seed, client, name, index)));
  const manual = new Set(organizations.filter((org) => org.nodeApprovalMode === 'MANUAL').map((org) => org.id));
  const machines = estate.fleetFor('ninjaone', date);
  const present = new Set(machines.map((machine) => machine.key));
  const devices = machines.map((machine): SimDevice => {
    const [nodeClass, deviceType] = NODE_CLASS[machine.kind];
    const client = allClients[machine.clientId - 1]!;
    const index = Math.max(0, client.locations.indexOf(machine.location));
    const host = machine.hostKey !== null && present.has(machine.hostKey) ? deviceIdOf(machine.hostKey) : undefined;
    // Devices that enrolled today in an organization with manual approval still wait for it.
    const pending = manual.has(machine.clientId) && machine.createdAt > nowMs - DAY_MS;
    return {
      id: deviceIdOf(machine.key), machine, organizationId: machine.clientId, locationId: locationIdOf(machine.clientId, index),
      nodeClass, deviceType, parentDeviceId: host, approvalStatus: pending ? 'PENDING' : 'APPROVED', offline: !machine.online,
    };
  });
  return { date, nowMs, seed, organizations, locations, devices, byId: new Map(devices.map((device) => [device.id, device])) };
}

function organization(seed: number, client: EstateClient): NinjaOrganization {
  const org: NinjaOrganization = {
    id: client.id,
    name: client.names.ninjaone,
    nodeApprovalMode: hashUnit(seed, client.id, 'approval-mode') < 0.15 ? 'MANUAL' : 'AUTOMATIC',
  };
  // Most live organizations have no description, and the key is then absent (N8).
  if (hashUnit(seed, client.id, 'org-description') < 0.25) org.description = `Managed client since ${2015 + (client.id % 9)}`;
  return org;
}

function location(seed: number, client: EstateClient, name: string, index: number): NinjaLocation {
  const loc: NinjaLocation = { id: locationIdOf(client.id, index), name, organizationId: client.id };
  if (hashUnit(seed, client.id, index, 'address') < 0.6) loc.address = `${10 + (client.id * 7 + index * 13) % 180} ${name === 'Spare Stock' ? 'Storage' : 'Main'} Street`;
  if (name === 'Spare Stock') loc.description = 'Devices in storage, not in use';
  return loc;
}

/** Index of the first device with id > after (the list cursor), by binary search. */
export function indexAfter(devices: readonly { id: number }[], after: number | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = devices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (devices[mid]!.id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

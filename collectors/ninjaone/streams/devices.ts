/**
 * `/v2/devices-detailed`, every page, each written to the sink before the next is fetched. Only the
 * ids are remembered (for the patch stream), never the devices themselves.
 */
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { NinjaOneClient } from '../client.js';
import type { NinjaOneConfig } from '../config.js';
import { deviceRow, isPatchable } from '../map.js';
import type { NinjaDetailedDevice } from '../types.js';
import { quarantineUnmappable } from './mapped.js';
import { isRecord } from '../../shared/fields.js';
import type { LocationNames } from './sites.js';
import { NO_PHASE_CLOCK } from '../../../warehouse/run/phases.js';

export interface FleetIds {
  /** Every device id listed today. */
  all: Set<number>;
  /** Windows agents, which get a patch row even when nothing is pending. */
  patchable: Set<number>;
}

export async function collectDevices(
  client: NinjaOneClient, ctx: CollectContext<NinjaOneConfig>, locations: LocationNames,
): Promise<FleetIds> {
  const fleet: FleetIds = { all: new Set(), patchable: new Set() };
  const phases = ctx.phases ?? NO_PHASE_CLOCK;
  let page = 0;
  for await (const devices of client.list<NinjaDetailedDevice>('v2/devices-detailed')) {
    ctx.sink.page('devices');
    await ctx.sink.rawPage('devices', ++page, devices);
    const rows = await phases.time('mapping', async () => {
      const mappedRows = await quarantineUnmappable(ctx, devices, (device) => deviceRow(device, locations));
      for (const device of devices) {
        // A device whose id is not an integer was quarantined above; it has no patch row either.
        if (!isRecord(device) || !Number.isSafeInteger(device.id)) continue;
        fleet.all.add(device.id);
        if (isPatchable(device)) fleet.patchable.add(device.id);
      }
      return mappedRows;
    });
    await ctx.sink.devices(rows);
    ctx.progress('devices', fleet.all.size);
  }
  ctx.log.info({ stream: 'devices', pages: page, devices: fleet.all.size, patchable: fleet.patchable.size }, 'ninjaone devices collected');
  return fleet;
}

/** Organizations and locations become site aliases; location names are kept for the device mapping. */
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { NinjaOneClient } from '../client.js';
import type { NinjaOneConfig } from '../config.js';
import { locationAlias, organizationAlias } from '../map.js';
import type { NinjaLocation, NinjaOrganization } from '../types.js';
import { mapped } from './mapped.js';
import { cleanText } from '../../../warehouse/load/clean-text.js';

/** Location id -> name, small enough to hold (one entry per client site, not per device). */
export type LocationNames = Map<number, string>;

export async function collectSites(client: NinjaOneClient, ctx: CollectContext<NinjaOneConfig>): Promise<LocationNames> {
  let page = 0;
  let organizations = 0;
  for await (const orgs of client.list<NinjaOrganization>('v2/organizations')) {
    ctx.sink.page('organizations');
    await ctx.sink.rawPage('organizations', ++page, orgs);
    await ctx.sink.aliases(orgs.map((org) => mapped(() => organizationAlias(org))));
    organizations += orgs.length;
  }

  const names: LocationNames = new Map();
  page = 0;
  for await (const locations of client.list<NinjaLocation>('v2/locations')) {
    ctx.sink.page('locations');
    await ctx.sink.rawPage('locations', ++page, locations);
    await ctx.sink.aliases(locations.map((location) => mapped(() => locationAlias(location))));
    for (const location of locations) if (typeof location.name === 'string') names.set(location.id, cleanText(location.name));
  }
  ctx.log.info({ stream: 'sites', organizations, locations: names.size }, 'ninjaone organizations and locations collected');
  return names;
}

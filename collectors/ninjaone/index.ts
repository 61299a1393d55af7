/**
 * NinjaOne (RMM): the system of record for billed seats and spare devices. One run reads
 * organizations and locations (site aliases), every detailed device, and the fleet-wide OS-patch
 * queries; no per-device calls. See vendor-apis.md §1 for the API and DESIGN.md §6 for the rows.
 */
import { defineSource } from '../shared/define-source.js';
import { createNinjaOneClient } from './client.js';
import { KEYS, loadNinjaOneConfig, type NinjaOneConfig } from './config.js';
import { collectDevices } from './streams/devices.js';
import { collectPatches } from './streams/patches.js';
import { collectSites } from './streams/sites.js';

export type { NinjaOneConfig } from './config.js';

export const ninjaone = defineSource<NinjaOneConfig>({
  name: 'ninjaone',
  keys: KEYS,
  loadConfig: loadNinjaOneConfig,
  secretsOf: (config) => [config.clientSecret],
  async collect(ctx) {
    const started = Date.now();
    const client = createNinjaOneClient(ctx.config, { budget: ctx.budget, log: ctx.log, signal: ctx.signal, ...(ctx.phases ? { phases: ctx.phases } : {}) });
    const locations = await collectSites(client, ctx);
    const fleet = await collectDevices(client, ctx, locations);
    await collectPatches(client, ctx, fleet);
    ctx.log.info({
      devices: fleet.all.size, requests: ctx.budget.used(), retries: ctx.budget.retries(),
      tokens: client.tokens.fetched(), durationMs: Date.now() - started,
    }, 'ninjaone collection finished');
  },
  // Loaded on demand: a collect never reads (or, from the sources, transpiles) the simulator's code.
  simulator: async (options) => (await import('./simulator/index.js')).startNinjaOneSimulator(options),
});

export default ninjaone;

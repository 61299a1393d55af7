/**
 * ThreatLocker: which devices are actually protected. Child organizations become site aliases and
 * computers become device days, from one combined paged list asked as the MSP's parent org.
 */
import { defineSource } from '../shared/define-source.js';
import { createThreatLockerClient } from './client.js';
import { KEYS, loadThreatLockerConfig, type ThreatLockerConfig } from './config.js';
import { collectComputers } from './streams/computers.js';
import { aliasesForUnlisted, collectOrganizations } from './streams/organizations.js';

export type { ThreatLockerConfig } from './config.js';

export const threatlocker = defineSource<ThreatLockerConfig>({
  name: 'threatlocker',
  keys: KEYS,
  loadConfig: loadThreatLockerConfig,
  secretsOf: (config) => [config.apiToken],
  async collect(ctx) {
    const client = createThreatLockerClient(ctx);
    const listed = await collectOrganizations(ctx, client);
    const computers = await collectComputers(ctx, client);
    const extra = aliasesForUnlisted(listed, computers.organizations, ctx.config.organizationId);
    if (extra.length > 0) {
      ctx.log.info({ organizations: extra.map((a) => a.externalId) }, 'computers name organizations the child list did not; adding them as aliases');
      await ctx.sink.aliases(extra);
    }
  },
  // Loaded on demand: a collect never reads (or, from the sources, transpiles) the simulator's code.
  simulator: async (options) => (await import('./simulator/index.js')).startThreatLockerSimulator(options),
});

export default threatlocker;

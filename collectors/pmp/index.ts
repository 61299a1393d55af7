/** ManageEngine Patch Manager Plus: the source object the registry lists. */
import { defineSource } from '../shared/define-source.js';
import { collectPmp } from './collect.js';
import { KEYS, loadPmpConfig, secretsOf, type PmpConfig } from './config.js';

export const pmp = defineSource<PmpConfig>({
  name: 'pmp',
  keys: KEYS,
  loadConfig: loadPmpConfig,
  secretsOf,
  collect: collectPmp,
  // Loaded on demand: a collect never reads (or, from the sources, transpiles) the simulator's code.
  simulator: async (options) => (await import('./simulator/index.js')).startPmpSimulator(options),
});

export type { PmpConfig } from './config.js';

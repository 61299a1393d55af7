/** ManageEngine Patch Manager Plus: the source object the registry lists. */
import { defineSource } from '../shared/source.js';
import { collectPmp } from './collect.js';
import { KEYS, loadPmpConfig, secretsOf, type PmpConfig } from './config.js';
import { startPmpSimulator } from './simulator/index.js';

export const pmp = defineSource<PmpConfig>({
  name: 'pmp',
  keys: KEYS,
  loadConfig: loadPmpConfig,
  secretsOf,
  collect: collectPmp,
  simulator: (options) => startPmpSimulator(options),
});

export type { PmpConfig } from './config.js';

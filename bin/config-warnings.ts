/** Warnings about the configuration that do not stop a command: unknown (misspelled) keys. */
import { knownConfigKeys } from '../collectors/registry.js';
import { presentKeys, type Env } from '../warehouse/config.js';
import { unknownKeyWarnings } from '../warehouse/unknown-keys.js';

export function configWarnings(env: Env): string[] {
  return unknownKeyWarnings(presentKeys(env), knownConfigKeys());
}

/** On stderr, before the verb runs: stdout may be an export or --json. */
export function printConfigWarnings(env: Env): void {
  for (const warning of configWarnings(env)) process.stderr.write(`warning: ${warning}\n`);
}

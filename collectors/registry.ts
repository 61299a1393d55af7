/** The explicit list of sources: the only module that imports vendor folders. */
import { ninjaone } from './ninjaone/index.js';
import { threatlocker } from './threatlocker/index.js';
import { pmp } from './pmp/index.js';
import type { Source, SourceName } from '../warehouse/run/source.js';
import { SOURCE_NAMES } from '../warehouse/run/source.js';
import { UsageError } from '../warehouse/errors.js';
import { WAREHOUSE_KEYS } from '../warehouse/config.js';

// Each source has its own config type; the registry deals in the common contract only.
export const SOURCES: Record<SourceName, Source<any>> = { ninjaone, threatlocker, pmp };

export function sourceByName(name: string | undefined): Source<any> {
  if (name && (SOURCE_NAMES as readonly string[]).includes(name)) return SOURCES[name as SourceName];
  throw new UsageError(
    name ? `unknown source "${name}"` : 'no source named',
    `Name one of: ${SOURCE_NAMES.join(', ')} (e.g. \`warehouse collect ninjaone\`).`,
  );
}

/** Every configuration key anything reads: the warehouse's own and each source's. */
export function knownConfigKeys(): string[] {
  return [...WAREHOUSE_KEYS, ...Object.values(SOURCES).flatMap((source) => [...source.keys.required, ...source.keys.optional])];
}

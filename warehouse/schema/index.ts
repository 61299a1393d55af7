/**
 * drizzle-kit's entry: every table it manages. Partitioned tables are declared in partitioned.ts for
 * typed queries but created by hand-written migrations, because drizzle-kit cannot express PARTITION BY.
 */
export * from './ops.js';
export * from './core.js';
export * from './rollup.js';
export * from './compliance.js';

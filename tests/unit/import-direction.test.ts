/**
 * The run contract's boundaries, read from the sources' import lines: the warehouse defines the
 * contract (warehouse/run) and never imports a vendor folder (only the CLI's registry,
 * collectors/registry.ts, does); a collector implements the contract and never reaches the database
 * (it hands rows to the sink); and exactly one module writes ops.sync_runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Every TypeScript source under `dir` (repository-relative paths). */
function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** The repository files a source imports (static, re-exported and dynamic), resolved from its relative specifiers. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)'([^']+)'/gmu)].map((m) => m[1] as string);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.normalize(path.join(path.dirname(file), s)).replace(/\.js$/u, '.ts'));
}

const offending = (files: string[], forbidden: (target: string) => boolean): string[] =>
  files.flatMap((file) => importsOf(file).filter(forbidden).map((target) => `${file} imports ${target}`));

describe('import direction', () => {
  it('finds the imports it checks (the scan reads real import lines)', () => {
    expect(importsOf('warehouse/run/runner.ts')).toContain('warehouse/run/sink.ts');
    expect(importsOf('collectors/registry.ts')).toContain('collectors/ninjaone/index.ts');
  });

  it('the warehouse, the rollups and the views never import a collector', () => {
    const files = [...sources('warehouse'), ...sources('rollups'), ...sources('views')];
    expect(offending(files, (target) => target.startsWith('collectors/'))).toEqual([]);
  });

  it('a collector never reaches the database: only the run contract, the row types and shared helpers', () => {
    // clean-text is pure string cleaning the mappers share with the loader; nothing else of load/ is theirs.
    const writesSql = (target: string): boolean =>
      target === 'warehouse/db.ts'
      || (target.startsWith('warehouse/load/') && target !== 'warehouse/load/clean-text.ts')
      || ['warehouse/run/runner.ts', 'warehouse/run/sink.ts', 'warehouse/run/sync-runs.ts'].includes(target);
    expect(offending(sources('collectors'), writesSql)).toEqual([]);
  });

  it('exactly one module writes ops.sync_runs', () => {
    const files = [...sources('warehouse'), ...sources('rollups'), ...sources('bin'), ...sources('collectors')];
    const writers = files.filter((file) => /\b(insert\s+into|update|delete\s+from)\s+ops\.sync_runs\b/iu.test(readFileSync(path.join(ROOT, file), 'utf8')));
    expect(writers).toEqual(['warehouse/run/sync-runs.ts']);
  });
});

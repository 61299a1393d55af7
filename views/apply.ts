/**
 * Drop and recreate every view, in dependency order, in one transaction, after each migration: views
 * are plain SQL files (views/<schema>/<name>.sql, the object name equals the file name) and never
 * touched by drizzle-kit. Order: staging before bi; within a layer, a file may declare
 * `-- depends: schema.name` lines. Grants for the reader and writer roles are re-applied here because
 * recreated objects lose them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const LAYERS = ['staging', 'bi'] as const;

export interface ViewFile { name: string; schema: string; sql: string; depends: string[] }

export function loadViewFiles(root = ROOT): ViewFile[] {
  const files: ViewFile[] = [];
  for (const schema of LAYERS) {
    const dir = path.join(root, schema);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const depends = [...text.matchAll(/^--\s*depends:\s*([\w.]+)\s*$/gmu)].map((m) => m[1] as string);
      files.push({ name: `${schema}.${file.replace(/\.sql$/u, '')}`, schema, sql: text, depends });
    }
  }
  return orderByDependencies(files);
}

/** Topological order; a cycle or an unknown dependency is a programming error worth failing loudly on. */
export function orderByDependencies(files: ViewFile[]): ViewFile[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const ordered: ViewFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: ViewFile, trail: string[]): void => {
    if (state.get(file.name) === 'done') return;
    if (state.get(file.name) === 'visiting') throw new Error(`view dependency cycle: ${[...trail, file.name].join(' -> ')}`);
    state.set(file.name, 'visiting');
    for (const dep of file.depends) {
      const target = byName.get(dep);
      if (!target) throw new Error(`${file.name} depends on unknown view ${dep}`);
      visit(target, [...trail, file.name]);
    }
    state.set(file.name, 'done');
    ordered.push(file);
  };
  for (const file of files) visit(file, []);
  return ordered;
}

export async function applyViews(sql: Sql, files = loadViewFiles()): Promise<number> {
  await sql.begin(async (tx) => {
    for (const schema of [...LAYERS].reverse()) {
      const views = await tx<{ name: string }[]>`
        select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relkind in ('v', 'm')`;
      for (const view of views) await tx.unsafe(`drop view if exists ${schema}.${quoteIdent(view.name)} cascade`);
    }
    for (const file of files) await tx.unsafe(file.sql);
    await tx.unsafe(GRANTS);
  });
  return files.length;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// The reader sees bi and nothing else; the writer owns the data path. Re-applied after every
// migration so that tables and views created since are covered.
const GRANTS = `
  grant usage on schema bi to warehouse_reader;
  grant select on all tables in schema bi to warehouse_reader;
  grant usage, create on schema core, ops, raw, rollup, staging, bi to warehouse_writer;
  grant select, insert, update, delete, truncate on all tables in schema core, ops, raw, rollup to warehouse_writer;
  grant select on all tables in schema staging, bi to warehouse_writer;
  grant usage, select, update on all sequences in schema core, ops, raw, rollup to warehouse_writer;
`;

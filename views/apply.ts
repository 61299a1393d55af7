/**
 * Create or replace every SQL function and view, in one transaction, after each migration. Both are
 * plain SQL files never touched by drizzle-kit, the warehouse's rules in one repeatable layer:
 *
 * - views/functions/*.sql first: `create or replace function` only, so applying them again changes
 *   nothing and a rule is changed by editing its file, not by a new migration. The migrations that
 *   first created them stay as the record of history (their backfills ran with those versions).
 *   Triggers stay in migrations (they belong to tables); their functions are defined here.
 * - then the views (views/<schema>/<name>.sql, the object name equals the file name), in dependency
 *   order: staging before bi; within a layer, a file may declare `-- depends: schema.name` lines.
 *
 * Grants for the reader and writer roles are re-applied here because recreated objects lose them.
 *
 * Operators build their own views on bi (in public, in their own schemas, even inside bi): an upgrade
 * must not take them away, so nothing here uses DROP ... CASCADE. The views with a file (the managed
 * ones) are replaced in place when PostgreSQL allows it (same columns, or new ones at the end). When
 * it does not (a column removed, renamed, reordered or retyped), the operator's dependants are
 * captured, dropped, and recreated after the managed views (views/dependants.ts); if one of them no
 * longer fits, the whole step is refused and rolled back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres, { type Sql } from 'postgres';
import { maskSql } from './sql-style.js';
import { capture, dropInOrder, inDependencyOrder, loadGraph, readersOf, recreate, refusal, type Relation, type ViewGraph } from './dependants.js';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const LAYERS = ['staging', 'bi'] as const;
const FUNCTIONS = 'functions';

export interface FunctionFile { name: string; sql: string }

/**
 * views/functions/*.sql in name order (a file's functions may call one another's only at run time,
 * or be written in the order they need). Each must replace in place: a bare `create function` would
 * fail on the second migrate.
 */
export function loadFunctionFiles(root = ROOT): FunctionFile[] {
  const dir = path.join(root, FUNCTIONS);
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((file) => {
    const sql = readFileSync(path.join(dir, file), 'utf8');
    if (/^\s*create\s+(function|procedure)\b/imu.test(maskSql(sql))) throw new Error(`views/${FUNCTIONS}/${file}: write \`create or replace function\`, so that applying it again is harmless`);
    return { name: `${FUNCTIONS}/${file}`, sql };
  });
}

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

/** Views earlier releases shipped and this one no longer does: dropped on upgrade whatever they read. */
export const RETIRED_VIEWS: ReadonlySet<string> = new Set([
  'staging.month_end_transitions',
  'staging.month_to_date_transitions',
]);

export async function applyViews(sql: Sql, files = loadViewFiles(), functions = loadFunctionFiles()): Promise<number> {
  await sql.begin(async (tx) => {
    // Functions before the views that call them; replacing one keeps the views that depend on it.
    for (const file of functions) await tx.unsafe(file.sql);
    const graph = await loadGraph(tx);
    const inLayers = [...graph.relations.values()].filter((r) => (LAYERS as readonly string[]).includes(r.schema));
    const fileNames = new Set(files.map((f) => f.name));
    const managed = new Set(inLayers.filter((r) => fileNames.has(r.key)).map((r) => r.oid));
    // A view in bi or staging without a file is either one the warehouse no longer ships (retired) or
    // the operator's own. Nothing records which, so: one that reads a managed view is taken for the
    // operator's (kept, like any dependant); one that does not is retired and dropped, unless
    // something outside the retired ones reads it, which refuses the step.
    // Views the warehouse shipped once and retired are named in RETIRED_VIEWS, since one that read a
    // view still shipped would otherwise pass for the operator's own.
    const readManaged = readersOf(graph, managed);
    const retired = new Set(inLayers
      .filter((r) => !managed.has(r.oid) && (RETIRED_VIEWS.has(r.key) || !readManaged.has(r.oid)))
      .map((r) => r.oid));
    const ours = new Set([...managed, ...retired]);
    const blocking = [...readersOf(graph, retired)].filter((oid) => !ours.has(oid)).map((oid) => relation(graph.relations, oid));
    if (blocking.length > 0) {
      throw refusal(blocking.map((b) => `${b.name} reads ${retiredReadBy(graph, retired, b.oid)}, which the warehouse no longer ships`), blocking);
    }

    if (!(await replaceInPlace(tx, files))) {
      // PostgreSQL refused CREATE OR REPLACE for some view: drop and recreate, keeping the operator's.
      const dependants = inDependencyOrder(graph, [...readersOf(graph, ours)].filter((oid) => !ours.has(oid)));
      const captured = await capture(tx, graph, dependants);
      await dropInOrder(tx, graph, [...dependants, ...ours]);
      for (const file of files) await tx.unsafe(file.sql);
      // Before the dependants: a materialized view is refreshed as its owner, who needs the grants
      // on the new views (warehouse_writer, say). Again at the end, for the operator's views in bi.
      await tx.unsafe(GRANTS);
      await recreate(tx, captured);
    } else {
      await dropInOrder(tx, graph, retired);
    }
    await tx.unsafe(GRANTS);
  });
  return files.length;
}

/**
 * CREATE OR REPLACE every file's view in a savepoint: false when PostgreSQL refuses (42P16 and
 * friends: a column removed, renamed, reordered or retyped). Any PostgreSQL error falls back to the
 * drop-and-recreate path rather than a list of codes: a genuine error in a file fails there again.
 */
async function replaceInPlace(tx: postgres.TransactionSql, files: ViewFile[]): Promise<boolean> {
  try {
    await tx.savepoint(async (sp) => {
      for (const file of files) await sp.unsafe(file.sql.replace(/^create\s+view\b/imu, 'create or replace view'));
    });
    return true;
  } catch (error) {
    if (error instanceof postgres.PostgresError) return false;
    throw error;
  }
}

function relation(relations: Map<string, Relation>, oid: string): Relation {
  return relations.get(oid) as Relation;
}

/** The retired views `oid` reads, for the refusal's message. */
function retiredReadBy(graph: ViewGraph, retired: Set<string>, oid: string): string {
  const seen = new Set<string>();
  const walk = (o: string): void => {
    for (const r of graph.reads.get(o) ?? []) {
      if (retired.has(r)) seen.add(relation(graph.relations, r).name);
      else walk(r);
    }
  };
  walk(oid);
  return [...seen].join(', ');
}

// The reader sees bi and nothing else; the writer owns the data path. Re-applied after every
// migration so that tables and views created since are covered.
const GRANTS = `
  grant usage on schema bi to warehouse_reader;
  grant select on all tables in schema bi to warehouse_reader;
  grant usage, create on schema core, ops, raw, rollup, staging, run, bi to warehouse_writer;
  grant select, insert, update, delete, truncate on all tables in schema core, ops, raw, rollup to warehouse_writer;
  grant select on all tables in schema staging, bi to warehouse_writer;
  grant usage, select, update on all sequences in schema core, ops, raw, rollup to warehouse_writer;
`;

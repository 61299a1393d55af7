/**
 * The physical limit for B1: a bare COPY of exactly the rows a publish wrote (read back from the
 * published partitions as COPY text) into tables of the same shape (LIKE the day's partition,
 * INCLUDING ALL: same columns, primary key and index, logged). Only the COPY in is timed; the rows
 * are already encoded, so this is the server's ingest speed for those rows and nothing else.
 */
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Sql } from 'postgres';
import { copyField } from '../warehouse/load/copy.js';
import { timed, withWal } from './measure.js';

export interface RawCopy { ms: number; wal: number; rows: number; bytes: number; tables: string[]; perTableMs: number[] }

/**
 * The published rows as COPY text, encoded here (every column cast to text, then COPY-escaped):
 * postgres.js' COPY TO readable sometimes never ends (porsager/postgres#917), so no copy-out.
 */
async function exportRows(sql: Sql, partition: string, sourceInstanceId: number): Promise<Buffer[]> {
  const [schema, table] = partition.split('.') as [string, string];
  const columns = await sql<{ name: string }[]>`
    select attname as name from pg_attribute
    where attrelid = ${`${schema}.${table}`}::regclass and attnum > 0 and not attisdropped order by attnum`;
  const list = columns.map((c) => `${c.name}::text`).join(', ');
  const chunks: Buffer[] = [];
  const cursor = sql.unsafe<Array<Record<string, string | null>>>(
    `select ${list} from ${partition} where source_instance_id = $1`, [sourceInstanceId]).values().cursor(5000);
  for await (const rows of cursor) {
    let text = '';
    for (const row of rows as unknown as Array<Array<string | null>>) text += `${row.map(copyField).join('\t')}\n`;
    chunks.push(Buffer.from(text));
  }
  return chunks;
}

async function copyIn(sql: Sql, table: string, chunks: Buffer[]): Promise<void> {
  const stream = (await sql.unsafe(`copy ${table} from stdin`).writable()) as Writable;
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end();
  await finished(stream);
}

export async function rawCopy(sql: Sql, day: string, sourceInstanceId: number, tag: string): Promise<RawCopy> {
  const suffix = day.replaceAll('-', '');
  const parts = [['device_days', `core.device_days_${suffix}`], ['patch_status', `core.patch_status_${suffix}`]] as const;
  await sql`create schema if not exists bench`;
  const exported: Array<{ table: string; chunks: Buffer[] }> = [];
  for (const [name, partition] of parts) {
    const table = `bench.${name}_${tag}`;
    await sql.unsafe(`drop table if exists ${table}; create table ${table} (like ${partition} including all)`);
    exported.push({ table, chunks: await exportRows(sql, partition, sourceInstanceId) });
  }
  const perTableMs: number[] = [];
  const { ms, wal } = await withWal(sql, async () => {
    for (const { table, chunks } of exported) perTableMs.push((await timed(() => copyIn(sql, table, chunks))).ms);
  });
  let rows = 0;
  for (const { table } of exported) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${table}`);
    rows += row?.n ?? 0;
  }
  const bytes = exported.reduce((sum, e) => sum + e.chunks.reduce((s, c) => s + c.length, 0), 0);
  return { ms, wal, rows, bytes, tables: exported.map((e) => e.table), perTableMs };
}

/**
 * Stream rows into a table with COPY (text format), awaiting back-pressure, so a collector's memory
 * stays flat however large the fleet: each page is encoded and written, then the next is fetched.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Sql } from 'postgres';

export type CopyValue = string | number | boolean | Date | null | undefined | string[] | Record<string, unknown>;

/** Encode one value in COPY text format. */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return escapeText(arrayLiteral(value));
  if (typeof value === 'object') return escapeText(JSON.stringify(value));
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return escapeText(String(value));
}

function escapeText(text: string): string {
  return text.replace(/[\\\n\r\t]/gu, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

/** A PostgreSQL text[] literal: every element double-quoted, quotes and backslashes escaped. */
function arrayLiteral(items: string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/gu, (c) => `\\${c}`)}"`).join(',')}}`;
}

// PostgreSQL rejects NUL in text; vendors have been seen to send it. Dropping it is the only safe choice.
const NUL = new RegExp(String.fromCharCode(0), 'gu');

export interface CopyWriter<Row> {
  write(rows: Row[]): Promise<void>;
  /** Finish the COPY; resolves with the number of rows written. */
  end(): Promise<number>;
  /** Abort the COPY (the run failed). */
  destroy(error: Error): void;
}

export async function createCopyWriter<Row>(
  sql: Sql,
  table: string,
  columns: readonly string[],
  encode: (row: Row) => CopyValue[],
): Promise<CopyWriter<Row>> {
  const stream = (await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable()) as Writable;
  let count = 0;
  let failure: Error | undefined;
  stream.on('error', (error: Error) => {
    failure = error;
  });
  return {
    async write(rows) {
      if (failure) throw failure;
      if (rows.length === 0) return;
      let chunk = '';
      for (const row of rows) chunk += `${encode(row).map(copyField).join('\t')}\n`;
      count += rows.length;
      // events.once rejects if 'error' fires while waiting, so a failed COPY cannot hang here.
      if (!stream.write(chunk.replace(NUL, ''))) await once(stream, 'drain');
      if (failure) throw failure;
    },
    async end() {
      stream.end();
      await finished(stream);
      if (failure) throw failure;
      return count;
    },
    destroy(error) {
      stream.destroy(error);
    },
  };
}

/**
 * Stream rows into a table with COPY (text format), awaiting back-pressure, so a collector's memory
 * stays flat however large the fleet: each page is encoded and written, then the next is fetched.
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Sql } from 'postgres';
import { cleanJson } from './clean-text.js';

export type CopyValue = string | number | boolean | Date | null | undefined | string[] | Record<string, unknown>;

/** Encode one value in COPY text format. */
export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  switch (typeof value) {
    case 'string': return escapeText(value);
    case 'number': return String(value);
    case 'boolean': return value ? 't' : 'f';
    default:
      if (value instanceof Date) return value.toISOString();
      if (Array.isArray(value)) return escapeText(arrayLiteral(value));
      // jsonb refuses \u0000 and lone surrogates; mappers clean extras, this keeps one slip from failing the COPY.
      return escapeText(JSON.stringify(cleanJson(value)));
  }
}

// Most values need no escaping; testing first is several times cheaper than always replacing.
const SPECIAL = /[\\\n\r\t]/u;
const SPECIALS = /[\\\n\r\t]/gu;

function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(SPECIALS, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));
}

const ARRAY_SPECIAL = /["\\]/u;

/** A PostgreSQL text[] literal: every element double-quoted, quotes and backslashes escaped. */
function arrayLiteral(items: string[]): string {
  let literal = '{';
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i] as string;
    literal += `${i === 0 ? '' : ','}"${ARRAY_SPECIAL.test(item) ? item.replace(/["\\]/gu, (c) => `\\${c}`) : item}"`;
  }
  return `${literal}}`;
}

/** One COPY text line: the encoded fields, tab-separated. */
export function copyLine(values: CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i += 1) line += (i === 0 ? '' : '\t') + copyField(values[i]);
  return `${line}\n`;
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
      for (const row of rows) chunk += copyLine(encode(row));
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

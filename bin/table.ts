import { wallClock } from '../warehouse/time.js';

/**
 * Plain text tables for terminals: left-aligned text, right-aligned numbers. Instants are shown on
 * the wall clock of `timeZone` (the MSP's WAREHOUSE_TIMEZONE; UTC when not given).
 */
export function renderTable(rows: Array<Record<string, unknown>>, options: { timeZone?: string } = {}): string {
  if (rows.length === 0) return '  (none)\n';
  const keys = Object.keys(rows[0] as object);
  const timeZone = options.timeZone ?? 'UTC';
  const cell = (value: unknown): string => (value === null || value === undefined ? '' : value instanceof Date ? wallClock(value, timeZone) : String(value));
  const widths = keys.map((key) => Math.max(key.length, ...rows.map((row) => cell(row[key]).length)));
  const numeric = keys.map((key) => rows.every((row) => typeof row[key] === 'number' || row[key] === null));
  const line = (values: string[]) => `  ${values.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join('  ')}`.trimEnd();
  return `${[line(keys), line(widths.map((w) => '-'.repeat(w))), ...rows.map((row) => line(keys.map((k) => cell(row[k]))))].join('\n')}\n`;
}

/** Text cut to at most `max` characters at a word boundary, marked with an ellipsis when cut. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const space = room.lastIndexOf(' ');
  // A single long word (a GUID, a path) is cut where it must be rather than lost entirely.
  return `${(space > max / 2 ? room.slice(0, space) : room).trimEnd()}…`;
}

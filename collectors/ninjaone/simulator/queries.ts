/**
 * `/v2/queries/*` with the `{cursor: {name, offset, count, expires}, results}` envelope
 * (vendor-apis.md §1.5): the first request opens a cursor over the filtered devices, each repeat with
 * `cursor=<name>` serves the next rows, and the request after the last row gets empty `results`.
 * Rows are generated device by device as pages are served, so memory stays flat.
 */
import { randomUUID } from 'node:crypto';
import type { NinjaCursor, NinjaOsPatchRow, NinjaQueryPage } from '../types.js';
import type { FleetDay, SimDevice } from './fleet.js';

/** How long an idle cursor lives (the reference does not say; a guess). */
const CURSOR_TTL_MS = 10 * 60_000;
const MAX_CURSORS = 500;

export type RowSource = (day: FleetDay, device: SimDevice) => NinjaOsPatchRow[];
export type RowFilter = (row: NinjaOsPatchRow) => boolean;

interface OpenCursor {
  name: string;
  day: FleetDay;
  devices: SimDevice[];
  rowsOf: RowSource;
  keep: RowFilter;
  next: number;
  pending: NinjaOsPatchRow[];
  offset: number;
  expiresAt: number;
}

export class CursorError extends Error {}

export interface CursorStore {
  open(day: FleetDay, devices: SimDevice[], rowsOf: RowSource, keep: RowFilter): string;
  page(name: string, pageSize: number): NinjaQueryPage<NinjaOsPatchRow>;
}

export function createCursorStore(now: () => number): CursorStore {
  const cursors = new Map<string, OpenCursor>();

  function sweep(): void {
    const t = now();
    for (const [name, cursor] of cursors) if (cursor.expiresAt <= t) cursors.delete(name);
    // Abandoned cursors beyond the cap go oldest first (Map keeps insertion order).
    while (cursors.size > MAX_CURSORS) cursors.delete(cursors.keys().next().value!);
  }

  return {
    open(day, devices, rowsOf, keep) {
      sweep();
      const name = randomUUID();
      cursors.set(name, { name, day, devices, rowsOf, keep, next: 0, pending: [], offset: 0, expiresAt: now() + CURSOR_TTL_MS });
      return name;
    },
    page(name, pageSize) {
      const cursor = cursors.get(name);
      if (cursor === undefined || cursor.expiresAt <= now()) {
        cursors.delete(name);
        throw new CursorError(`Cursor ${name} not found or expired`);
      }
      const results: NinjaOsPatchRow[] = [];
      while (results.length < pageSize) {
        if (cursor.pending.length === 0) {
          if (cursor.next >= cursor.devices.length) break;
          cursor.pending = cursor.rowsOf(cursor.day, cursor.devices[cursor.next++]!).filter(cursor.keep);
          continue;
        }
        results.push(...cursor.pending.splice(0, pageSize - results.length));
      }
      cursor.expiresAt = now() + CURSOR_TTL_MS;
      const envelope: NinjaCursor = { name, offset: cursor.offset, count: results.length, expires: cursor.expiresAt / 1000 };
      cursor.offset += results.length;
      return { cursor: envelope, results };
    },
  };
}

/** `installedBefore` / `installedAfter` / `ts`: epoch seconds or yyyy-MM-dd (both in use, vendor-apis.md §1.4). */
export function parseDateFilter(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  if (/^\d+(\.\d+)?$/u.test(value)) return Number(value) * 1000;
  if (/^\d{4}-\d{2}-\d{2}$/u.test(value)) return Date.parse(`${value}T00:00:00Z`);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new CursorError(`Invalid ${name}: ${value}`);
  return parsed;
}

export function matches(value: string | undefined, wanted: string | null): boolean {
  return wanted === null || wanted === '' || (value ?? '').toUpperCase() === wanted.toUpperCase();
}

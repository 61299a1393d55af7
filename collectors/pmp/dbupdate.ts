/**
 * `/api/1.4/patch/dbupdatestatus` -> VulnDbStatusRow. The shape is ManageEngine's documented sample
 * (`message_response.dbupdatestatus{last_db_update_status, last_db_update_time,
 * next_db_update_scheduled_time, is_auto_db_update_disabled}`); the README says what is assumed.
 * An answer without the object, or whose times are not epoch milliseconds, is refused (the stream then
 * fails on its own, never the run); a single missing field is stored as null.
 */
import { PayloadError } from '../../warehouse/errors.js';
import type { VulnDbStatusRow } from '../shared/rows.js';
import { epochMs, text } from './map.js';
import { PATHS, type DbUpdateStatus } from './types.js';

export function vulnDbStatusRow(response: Record<string, unknown>, fetchedAt: Date): VulnDbStatusRow {
  const status = response.dbupdatestatus;
  if (typeof status !== 'object' || status === null || Array.isArray(status)) {
    throw new PayloadError('pmp', `${PATHS.dbupdatestatus}: message_response.dbupdatestatus is missing or not an object`);
  }
  const s = status as DbUpdateStatus;
  return {
    fetchedAt,
    lastUpdateStatus: text(s.last_db_update_status),
    lastUpdateAt: instant(s.last_db_update_time, 'last_db_update_time'),
    nextUpdateAt: instant(s.next_db_update_scheduled_time, 'next_db_update_scheduled_time'),
    autoUpdateDisabled: flag(s.is_auto_db_update_disabled),
    fetchError: null,
  };
}

/** The row that records why the status could not be read: every value null. */
export function vulnDbFailureRow(reason: string, fetchedAt: Date): VulnDbStatusRow {
  return { fetchedAt, lastUpdateStatus: null, lastUpdateAt: null, nextUpdateAt: null, autoUpdateDisabled: null, fetchError: reason };
}

function instant(value: unknown, field: string): Date | null {
  if (value === undefined || value === null || value === '--' || value === 0) return null;
  const at = epochMs(value);
  // Epoch seconds would land in 1970: a unit PMP does not use, so refused rather than stored as a 1970 date.
  if (at === null || at.getTime() < Date.UTC(2000, 0, 1)) {
    throw new PayloadError('pmp', `${PATHS.dbupdatestatus}: ${field} is ${JSON.stringify(value)}, not epoch milliseconds`);
  }
  return at;
}

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  return value === 'true' ? true : value === 'false' ? false : null;
}

/**
 * Patch summaries must move forward in time: a snapshot not later than the previous one, or a
 * vulnerability database update time that goes backwards, is recorded as a note on the snapshot
 * (compliance-frameworks.md: validate, record, do not reject).
 */
import type { PatchSummaryRow } from '../rows.js';

type Snapshot = Pick<PatchSummaryRow, 'takenAt' | 'metrics'>;

export function summaryOrderNotes(previous: Snapshot, next: Snapshot): string[] {
  const notes: string[] = [];
  if (next.takenAt.getTime() <= previous.takenAt.getTime()) {
    notes.push(`snapshot time ${next.takenAt.toISOString()} is not after the previous ${previous.takenAt.toISOString()}`);
  }
  const key = 'vulnerability_db_summary.last_db_update_time';
  const before = previous.metrics[key];
  const after = next.metrics[key];
  if (typeof before === 'number' && typeof after === 'number' && after < before) {
    notes.push(`${key} went backwards (${new Date(after).toISOString()} < ${new Date(before).toISOString()})`);
  }
  return notes;
}

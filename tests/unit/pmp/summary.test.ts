/** The summary's validation, on the live response of P2 Appendix A and variations of it. */
import { describe, expect, it } from 'vitest';
import { METRIC_KEYS, summaryRow } from '../../../collectors/pmp/summary.js';
import { summaryOrderNotes as monotonicNotes } from '../../../warehouse/load/summary-order.js';
import { PayloadError } from '../../../warehouse/errors.js';

function live(): Record<string, unknown> {
  return {
    message_type: 'summary',
    message_response: {
      summary: {
        patch_summary: { installed_patches: 3566, applicable_patches: 5301, new_patches: 34362, missing_patches: 1735 },
        missing_patch_severity_summary: { critical_count: 139, important_count: 452, moderate_count: 549, low_count: 60, unrated_count: 534, total_count: 1734 },
        system_summary: { total_systems: 3358, healthy_systems: 1721, moderately_vulnerable_systems: 308, highly_vulnerable_systems: 1300, health_unknown_systems: 29 },
        patch_scan_summary: { scanned_systems: 3320, unscanned_system_count: 38, scan_success_count: 3295, scan_failure_count: 25 },
        vulnerability_db_summary: { last_db_update_status: 'Success', last_db_update_time: 1764052565661, is_auto_db_update_disabled: true, db_update_in_progress: false },
        apd_summary: { number_of_apd_tasks: 70 },
      },
    },
    message_version: '1.4',
    status: 'success',
  };
}

const FETCHED = new Date('2025-11-25T08:00:00Z');

function mutate(edit: (s: Record<string, Record<string, unknown>>) => void): Record<string, unknown> {
  const body = live();
  edit((body.message_response as { summary: Record<string, Record<string, unknown>> }).summary);
  return body;
}

describe('PMP summary', () => {
  it('stores all 27 leaves of the live response, flattened, and records the off-by-one', () => {
    const row = summaryRow(live(), FETCHED);
    expect(METRIC_KEYS).toHaveLength(27);
    expect(Object.keys(row.metrics)).toEqual(METRIC_KEYS);
    expect(row.metrics['missing_patch_severity_summary.critical_count']).toBe(139);
    expect(row.metrics['vulnerability_db_summary.is_auto_db_update_disabled']).toBe(true);
    expect(row.metrics['envelope.message_version']).toBe('1.4');
    expect(row.takenAt).toEqual(FETCHED);
    // missing_patches 1735 against a severity sum of 1734: recorded, not rejected.
    expect(row.severitySumDifference).toBe(1);
    expect(row.notes).toEqual(['missing_patches 1735 differs from the severity sum 1734 by 1']);
  });

  it('records, never rejects, a total_count that differs from the sum and inconsistent splits', () => {
    const row = summaryRow(mutate((s) => {
      s.missing_patch_severity_summary!.total_count = 1733;
      s.system_summary!.healthy_systems = 1700;
      s.vulnerability_db_summary!.last_db_update_status = 'Failed';
    }), FETCHED);
    expect(row.notes.join('\n')).toMatch(/total_count 1733 differs from the severity sum 1734 by -1/u);
    expect(row.notes.join('\n')).toMatch(/health counts add up to/u);
    expect(row.notes.join('\n')).toMatch(/"Failed"/u);
  });

  it.each([
    ['a missing group', (s: Record<string, Record<string, unknown>>) => { delete s.apd_summary; }, /apd_summary is missing/u],
    ['a missing field', (s: Record<string, Record<string, unknown>>) => { delete s.patch_summary!.new_patches; }, /new_patches is missing/u],
    ['a "--" count', (s: Record<string, Record<string, unknown>>) => { s.patch_scan_summary!.scanned_systems = '--'; }, /scanned_systems is missing/u],
    ['a negative count', (s: Record<string, Record<string, unknown>>) => { s.missing_patch_severity_summary!.low_count = -3; }, /negative/u],
    ['a fractional count', (s: Record<string, Record<string, unknown>>) => { s.patch_summary!.installed_patches = 1.5; }, /whole number/u],
    ['zero systems', (s: Record<string, Record<string, unknown>>) => { s.system_summary!.total_systems = 0; }, /total_systems is 0/u],
    ['a text timestamp', (s: Record<string, Record<string, unknown>>) => { s.vulnerability_db_summary!.last_db_update_time = '2025-11-25'; }, /epoch milliseconds/u],
  ])('rejects garbage: %s', (_name, edit, message) => {
    expect(() => summaryRow(mutate(edit), FETCHED)).toThrow(PayloadError);
    expect(() => summaryRow(mutate(edit), FETCHED)).toThrow(message);
  });

  it('rejects an envelope without a summary', () => {
    expect(() => summaryRow({ status: 'success', message_response: {} }, FETCHED)).toThrow(/summary is missing/u);
  });

  it('checks that snapshot timestamps increase across runs', () => {
    const first = summaryRow(live(), FETCHED);
    const later = summaryRow(live(), new Date(FETCHED.getTime() + 86_400_000));
    expect(monotonicNotes(first, later)).toEqual([]);
    expect(monotonicNotes(later, first)[0]).toMatch(/not after the previous/u);
    const older = summaryRow(mutate((s) => { s.vulnerability_db_summary!.last_db_update_time = 1664052565661; }), new Date(FETCHED.getTime() + 1000));
    expect(monotonicNotes(first, older)[0]).toMatch(/went backwards/u);
  });
});

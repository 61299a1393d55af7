/**
 * The simulator's `/patch/summary`, derived from the same systems it lists. Severity counts are of
 * distinct patches, so they are at most the per-system sums (P3 saw 34 against 49 on a live estate);
 * `missing_patches` is one more than the severity sum on some days, as in the live sample (P2).
 */
import { hashUnit } from '../../simulation/random.js';
import type { PatchSummary } from '../types.js';
import type { SystemRecord } from './fleet.js';

/** Distinct patches behind per-system counts: the largest single count plus a share of the rest. */
function distinct(sum: number, max: number): number {
  return Math.min(sum, max + Math.round(Math.sqrt(sum - max)));
}

function tally(records: readonly SystemRecord[], pick: (r: SystemRecord) => number): number {
  let sum = 0;
  let max = 0;
  for (const r of records) {
    const v = pick(r);
    sum += v;
    if (v > max) max = v;
  }
  return distinct(sum, max);
}

const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

export function summaryOf(records: readonly SystemRecord[], options: { seed: number; dayIndex: number; dayStartMs: number; apdTasks: number }): PatchSummary {
  const { seed, dayIndex, dayStartMs } = options;
  const count = (test: (r: SystemRecord) => boolean): number => records.reduce((acc, r) => acc + (test(r) ? 1 : 0), 0);
  const critical = tally(records, (r) => n(r.all.critical_patch_count));
  const important = tally(records, (r) => n(r.all.important_patch_count));
  const moderate = tally(records, (r) => n(r.all.moderate_patch_count));
  const low = tally(records, (r) => n(r.all.low_patch_count));
  const unrated = tally(records, (r) => r.unrated);
  const severitySum = critical + important + moderate + low + unrated;
  const missing = severitySum + (hashUnit(seed, dayIndex, 'pmp-summary-offby1') < 0.4 ? 1 : 0);
  const installed = tally(records, (r) => n(r.all.installed_ms_patches) + n(r.all.installed_tp_patches) + n(r.all.installed_driver_patches) + n(r.all.installed_bios_patches));
  const health = (h: number): number => count((r) => r.all.resource_health_status === h);
  const scan = (code: number): number => count((r) => r.all.scan_status === code);
  return {
    patch_summary: {
      installed_patches: installed,
      applicable_patches: installed + missing,
      new_patches: 30_000 + dayIndex * 9 + Math.floor(hashUnit(seed, 'pmp-new') * 5000),
      missing_patches: missing,
    },
    missing_patch_severity_summary: {
      critical_count: critical, important_count: important, moderate_count: moderate, low_count: low,
      unrated_count: unrated, total_count: severitySum,
    },
    system_summary: {
      total_systems: records.length, healthy_systems: health(1), moderately_vulnerable_systems: health(2),
      highly_vulnerable_systems: health(3), health_unknown_systems: health(0),
    },
    patch_scan_summary: {
      scanned_systems: records.length - scan(229), unscanned_system_count: scan(229),
      scan_success_count: scan(228), scan_failure_count: scan(226),
    },
    vulnerability_db_summary: {
      last_db_update_status: 'Success',
      // The vulnerability DB syncs early each simulated day, before the day is observed at 12:00 UTC.
      last_db_update_time: dayStartMs + 2 * 3_600_000 + Math.floor(hashUnit(seed, dayIndex, 'pmp-db') * 3 * 3_600_000),
      is_auto_db_update_disabled: false,
      db_update_in_progress: false,
    },
    apd_summary: { number_of_apd_tasks: options.apdTasks },
  };
}

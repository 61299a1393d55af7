/**
 * `/api/1.4/patch/summary` -> PatchSummaryRow, with the validation of compliance-frameworks.md:
 * every expected field present, counts >= 0, total_systems > 0 (else the payload is garbage and the
 * run fails), and the consistency checks that are recorded, never rejected (the severity sum against
 * missing_patches and total_count, the health and scan splits against total_systems).
 *
 * The 27 metrics are the 27 leaves of the live response (P2 Appendix A): the 24 under
 * `message_response.summary` plus the envelope's message_type, message_version and status
 * (README "The 27 metrics"). Keys are `<group>.<metric>`; the envelope's group is `envelope`.
 */
import { PayloadError } from '../../warehouse/errors.js';
import type { PatchSummaryRow } from '../shared/rows.js';

type Kind = 'count' | 'epoch_ms' | 'boolean' | 'string';

export const SUMMARY_FIELDS: Readonly<Record<string, Readonly<Record<string, Kind>>>> = {
  patch_summary: { installed_patches: 'count', applicable_patches: 'count', new_patches: 'count', missing_patches: 'count' },
  missing_patch_severity_summary: {
    critical_count: 'count', important_count: 'count', moderate_count: 'count', low_count: 'count',
    unrated_count: 'count', total_count: 'count',
  },
  system_summary: {
    total_systems: 'count', healthy_systems: 'count', moderately_vulnerable_systems: 'count',
    highly_vulnerable_systems: 'count', health_unknown_systems: 'count',
  },
  patch_scan_summary: { scanned_systems: 'count', unscanned_system_count: 'count', scan_success_count: 'count', scan_failure_count: 'count' },
  vulnerability_db_summary: {
    last_db_update_status: 'string', last_db_update_time: 'epoch_ms', is_auto_db_update_disabled: 'boolean', db_update_in_progress: 'boolean',
  },
  apd_summary: { number_of_apd_tasks: 'count' },
};

export const ENVELOPE_FIELDS = ['message_type', 'message_version', 'status'] as const;

/** All 27 metric keys, in a stable order. */
export const METRIC_KEYS: readonly string[] = [
  ...Object.entries(SUMMARY_FIELDS).flatMap(([group, fields]) => Object.keys(fields).map((m) => `${group}.${m}`)),
  ...ENVELOPE_FIELDS.map((f) => `envelope.${f}`),
];

const SEVERITIES = ['critical_count', 'important_count', 'moderate_count', 'low_count', 'unrated_count'] as const;
/** A vulnerability DB "updated" later than the fetch by more than this is noted as clock skew. */
const CLOCK_SKEW_MS = 10 * 60_000;

type Metrics = PatchSummaryRow['metrics'];

/**
 * Build and validate the summary row from a success envelope. `fetchedAt` (when the response arrived)
 * is the snapshot time: the counts are PMP's state at that moment, whatever the DB update time.
 */
export function summaryRow(envelope: Record<string, unknown>, fetchedAt: Date): PatchSummaryRow {
  const response = envelope.message_response as Record<string, unknown> | undefined;
  const summary = response?.summary;
  if (!isObject(summary)) throw garbage('message_response.summary is missing or not an object');
  const metrics: Metrics = {};
  for (const [group, fields] of Object.entries(SUMMARY_FIELDS)) {
    const values = summary[group];
    if (!isObject(values)) throw garbage(`summary.${group} is missing or not an object`);
    for (const [metric, kind] of Object.entries(fields)) metrics[`${group}.${metric}`] = leaf(values[metric], kind, `${group}.${metric}`);
  }
  for (const field of ENVELOPE_FIELDS) {
    const value = envelope[field];
    metrics[`envelope.${field}`] = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  }
  if (metrics['system_summary.total_systems'] === 0) {
    throw garbage('system_summary.total_systems is 0: the server reports no systems, which is never true of a working PMP');
  }
  const { notes, difference } = consistency(metrics, fetchedAt);
  return { takenAt: fetchedAt, metrics, notes, severitySumDifference: difference };
}

function leaf(value: unknown, kind: Kind, path: string): number | boolean | string {
  if (value === undefined || value === null || value === '--') throw garbage(`${path} is missing`);
  switch (kind) {
    case 'count':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw garbage(`${path} is ${JSON.stringify(value)}, not a whole number`);
      if (value < 0) throw garbage(`${path} is negative (${value})`);
      return value;
    case 'epoch_ms':
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw garbage(`${path} is ${JSON.stringify(value)}, not epoch milliseconds`);
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      throw garbage(`${path} is ${JSON.stringify(value)}, not a boolean`);
    default:
      if (typeof value !== 'string') throw garbage(`${path} is ${JSON.stringify(value)}, not text`);
      return value;
  }
}

function consistency(m: Metrics, fetchedAt: Date): { notes: string[]; difference: number } {
  const n = (key: string): number => m[key] as number;
  const notes: string[] = [];
  const severitySum = SEVERITIES.reduce((acc, s) => acc + n(`missing_patch_severity_summary.${s}`), 0);
  const difference = n('patch_summary.missing_patches') - severitySum;
  if (difference !== 0) notes.push(`missing_patches ${n('patch_summary.missing_patches')} differs from the severity sum ${severitySum} by ${difference}`);
  const totalCount = n('missing_patch_severity_summary.total_count');
  if (totalCount !== severitySum) notes.push(`total_count ${totalCount} differs from the severity sum ${severitySum} by ${totalCount - severitySum}`);
  const total = n('system_summary.total_systems');
  const health = ['healthy_systems', 'moderately_vulnerable_systems', 'highly_vulnerable_systems', 'health_unknown_systems']
    .reduce((acc, k) => acc + n(`system_summary.${k}`), 0);
  if (health !== total) notes.push(`health counts add up to ${health}, not total_systems ${total}`);
  const scanned = n('patch_scan_summary.scanned_systems');
  const unscanned = n('patch_scan_summary.unscanned_system_count');
  if (scanned + unscanned !== total) notes.push(`scanned ${scanned} + unscanned ${unscanned} is not total_systems ${total}`);
  const outcomes = n('patch_scan_summary.scan_success_count') + n('patch_scan_summary.scan_failure_count');
  if (outcomes > scanned) notes.push(`scan successes and failures (${outcomes}) exceed scanned_systems ${scanned}`);
  if (n('vulnerability_db_summary.last_db_update_time') > fetchedAt.getTime() + CLOCK_SKEW_MS) {
    notes.push('vulnerability_db_summary.last_db_update_time is in the future (server clock skew?)');
  }
  const status = m['vulnerability_db_summary.last_db_update_status'];
  if (typeof status === 'string' && status.toLowerCase() !== 'success') notes.push(`last vulnerability DB update status is "${status}"`);
  return { notes, difference };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function garbage(what: string): PayloadError {
  return new PayloadError('pmp', `/api/1.4/patch/summary: ${what}`);
}

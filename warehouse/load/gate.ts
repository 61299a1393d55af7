/**
 * The completeness gate: a source-day is published only whole. Every check runs against the staged
 * rows, before anything published is touched; a refusal names each reason.
 */
import type { Sql } from 'postgres';
import { isMonthClosed } from '../billing/months.js';
import { monthOf } from '../time.js';
import { DEVICE_CLASSES } from '../rows.js';
import { GateRefusedError } from '../errors.js';
import type { StagingTables } from './staging.js';

export interface GateInput {
  sql: Sql;
  staging: StagingTables;
  sourceInstanceId: number;
  snapshotDay: string;
  /** Top-level alias ids (externalId) the run listed: every device must belong to one. */
  orgExternalIds: string[];
  expectedTotals: Map<string, number>;
  /** Records set aside per stream (they count towards the vendor's totals, never towards publishing). */
  quarantined: Map<string, number>;
  /** Refuse when more than this share of a stream's records was quarantined. */
  maxQuarantineShare?: number;
  acceptShrink: boolean;
  /** Allow publishing into a closed billing month (recorded as a forced change). */
  force: boolean;
  /** Refuse a drop larger than this share of the last published day. */
  maxShrink?: number;
}

export interface GateResult { devices: number; patchStatus: number; previousDevices: number | null }

export async function runGate(input: GateInput): Promise<GateResult> {
  const { sql, staging, sourceInstanceId, snapshotDay } = input;
  const reasons: string[] = [];
  // One pass over the staged devices: totals, bad rows, orphans and how many ids repeat.
  const [counts] = await sql.unsafe<{ devices: number; bad_required: number; orphan_orgs: number; repeated: number }[]>(`
    select coalesce(sum(n), 0)::int as devices, coalesce(sum(bad), 0)::int as bad_required,
      coalesce(sum(orphans), 0)::int as orphan_orgs, count(*) filter (where n > 1 and vendor_id is not null)::int as repeated
    from (
      select vendor_id, count(*) as n,
        count(*) filter (where vendor_id is null or vendor_id = '' or org_external_id is null
          or device_class not in (${DEVICE_CLASSES.map((c) => `'${c}'`).join(', ')})) as bad,
        count(*) filter (where org_external_id is not null
          and org_external_id not in (select jsonb_array_elements_text($1::jsonb))) as orphans
      from ${staging.devices} group by vendor_id
    ) as per_id`, [input.orgExternalIds as never]);
  const devices = counts?.devices ?? 0;
  const duplicates = (counts?.repeated ?? 0) === 0 ? [] : await sql.unsafe<{ vendor_id: string; n: number }[]>(
    `select vendor_id, count(*)::int as n from ${staging.devices} where vendor_id is not null group by vendor_id having count(*) > 1 order by n desc limit 5`);
  const [patch] = await sql.unsafe<{ n: number; dup: number }[]>(
    `select count(*)::int as n, (count(*) - count(distinct vendor_id))::int as dup from ${staging.patch}`);
  const patchStatus = patch?.n ?? 0;

  if (duplicates.length > 0) {
    reasons.push(`duplicate vendor ids (${duplicates.map((d) => `${d.vendor_id} x${d.n}`).join(', ')}): a page was repeated or the vendor listed a device twice`);
  }
  if ((patch?.dup ?? 0) > 0) reasons.push(`${patch?.dup} duplicate patch-status rows`);
  if ((counts?.bad_required ?? 0) > 0) reasons.push(`${counts?.bad_required} devices lack a required field (id, organisation or class)`);
  if ((counts?.orphan_orgs ?? 0) > 0) reasons.push(`${counts?.orphan_orgs} devices belong to organisations the run did not list (organisation paging incomplete?)`);
  for (const [stream, expected] of input.expectedTotals) {
    const received = (stream === 'devices' ? devices : patchStatus) + (input.quarantined.get(stream) ?? 0);
    if (received !== expected) reasons.push(`${stream}: received ${received} rows but the vendor reported a total of ${expected} (paging truncated or skipped a page)`);
  }
  const maxShare = input.maxQuarantineShare ?? 0.02;
  for (const [stream, count] of input.quarantined) {
    const staged = stream === 'devices' ? devices : patchStatus;
    if (count > 0 && count / (count + staged) > maxShare) {
      reasons.push(`${stream}: ${count} of ${count + staged} records quarantined (more than ${maxShare * 100} %: the vendor's schema or units changed?); see ops.quarantine`);
    }
  }

  const [previous] = await sql<{ device_count: number }[]>`
    select device_count from ops.source_days
    where source_instance_id = ${sourceInstanceId} and snapshot_day < ${snapshotDay}
    order by snapshot_day desc limit 1`;
  const previousDevices = previous?.device_count ?? null;
  const maxShrink = input.maxShrink ?? 0.1;
  const before = reasons.length;
  if (!input.acceptShrink) {
    if (devices === 0) {
      reasons.push('the vendor listed zero devices');
    } else if (previousDevices !== null && devices < previousDevices * (1 - maxShrink)) {
      reasons.push(`device count fell from ${previousDevices} to ${devices} (more than ${Math.round(maxShrink * 100)} %)`);
    }
  }
  const shrank = reasons.length > before;

  const closed = await isMonthClosed(sql, snapshotDay);
  if (closed && !input.force) reasons.push(`billing month ${monthOf(snapshotDay)} is closed (invoiced)`);

  if (reasons.length > 0) {
    // Only the advice that applies: --accept-shrink answers a drop in the count, nothing else.
    const hint = closed && !input.force
      ? 'The month is closed; re-run with --force only if the invoice must change (the change is recorded).'
      : shrank && reasons.length === 1
        ? 'Nothing was published; the previous snapshot is intact. If the drop is real, re-run with --accept-shrink.'
        : `Nothing was published; the previous snapshot is intact. Fix the cause named above and re-run${shrank ? ' (add --accept-shrink if the drop is real too)' : ''}.`;
    throw new GateRefusedError(reasons, hint);
  }
  return { devices, patchStatus, previousDevices };
}

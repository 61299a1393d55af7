/**
 * Patch status per device from the two fleet-wide OS-patch queries (never the per-device endpoints):
 * `/v2/queries/os-patches` (not installed: pending, manual, approved, failed) folded into counts by
 * severity and kind, and `/v2/queries/os-patch-installs` (installs in the last 30 days, an optional
 * stream). Memory holds one small counter per device with pending patches and one short key per
 * row counted: a row the vendor sends twice (on two pages, or twice on one) counts once.
 */
import { BudgetExhaustedError } from '../../shared/http.js';
import { PagingLoopError } from '../../shared/page-guard.js';
import type { PatchStatusRow } from '../../shared/rows.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { NinjaOneClient } from '../client.js';
import type { NinjaOneConfig } from '../config.js';
import { addMissingPatch, emptyPatchCounts, isMissingPatch, patchRowProblem, patchStatusRow, upper, type PatchCounts } from '../map.js';
import { isRecord } from '../../shared/fields.js';
import type { NinjaOsPatchRow } from '../types.js';
import type { FleetIds } from './devices.js';
import { NO_PHASE_CLOCK } from '../../../warehouse/run/phases.js';

export const INSTALL_WINDOW_DAYS = 30;
const DAY_MS = 86_400_000;
const WRITE_BATCH = 1000;

export async function collectPatches(client: NinjaOneClient, ctx: CollectContext<NinjaOneConfig>, fleet: FleetIds): Promise<void> {
  const installed = await installsSince(client, ctx, installWindowStart(ctx.snapshotDay));
  const unreadable = new Map<number, { reason: string; row: unknown }>();
  const counts = await missingPatches(client, ctx, unreadable);

  // Patchable devices always get a row; others only when NinjaOne reports patches for them.
  // Rows for devices not in today's list (removed between the two calls) are dropped.
  const ids = [...new Set([...fleet.patchable, ...[...counts.keys()].filter((id) => fleet.all.has(id))])].sort((a, b) => a - b);
  let batch: PatchStatusRow[] = [];
  for (const id of ids) {
    const bad = unreadable.get(id);
    if (bad !== undefined) {
      await ctx.sink.quarantine('patch_status', { vendorId: String(id), reason: bad.reason, payload: bad.row });
      continue;
    }
    const installedCount = installed === null ? null : installed.get(id) ?? 0;
    batch.push(patchStatusRow(id, counts.get(id) ?? emptyPatchCounts(), installedCount));
    if (batch.length >= WRITE_BATCH) {
      await ctx.sink.patchStatus(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await ctx.sink.patchStatus(batch);
  ctx.log.info({ stream: 'patch_status', devices: ids.length, withPending: counts.size }, 'ninjaone patch status collected');
}

/** Epoch seconds of 00:00 UTC, INSTALL_WINDOW_DAYS before the snapshot day. */
export function installWindowStart(snapshotDay: string): number {
  return (Date.parse(`${snapshotDay}T00:00:00Z`) - INSTALL_WINDOW_DAYS * DAY_MS) / 1000;
}

/** Counts per device; a device with a row of the wrong shape lands in `unreadable` (first reason and row) instead. */
async function missingPatches(
  client: NinjaOneClient, ctx: CollectContext<NinjaOneConfig>, unreadable: Map<number, { reason: string; row: unknown }>,
): Promise<Map<number, PatchCounts>> {
  const counts = new Map<number, PatchCounts>();
  const counted = new Set<string>();
  const phases = ctx.phases ?? NO_PHASE_CLOCK;
  let page = 0;
  let rows = 0;
  for await (const results of client.query<NinjaOsPatchRow>('v2/queries/os-patches')) {
    ctx.sink.page('os_patches');
    await ctx.sink.rawPage('os_patches', ++page, results);
    phases.timeSync('mapping', () => countMissing(results, counts, counted, unreadable));
    rows += results.length;
    ctx.progress('os_patches', rows);
  }
  ctx.log.info({ stream: 'os_patches', pages: page, rows }, 'ninjaone os-patches query read');
  return counts;
}

/** Fold one page of os-patches rows into the per-device counts. */
function countMissing(
  results: NinjaOsPatchRow[], counts: Map<number, PatchCounts>, counted: Set<string>, unreadable: Map<number, { reason: string; row: unknown }>,
): void {
  for (const row of results) {
    const deviceId: unknown = isRecord(row) ? row.deviceId : undefined;
    if (typeof deviceId !== 'number') continue;
    const problem = patchRowProblem(row);
    if (problem !== undefined && !unreadable.has(deviceId)) unreadable.set(deviceId, { reason: problem, row });
    if (problem !== undefined || !isMissingPatch(row)) continue;
    if (!firstSight(counted, pendingPatchKey(row))) continue;
    let deviceCounts = counts.get(deviceId);
    if (deviceCounts === undefined) counts.set(deviceId, (deviceCounts = emptyPatchCounts()));
    addMissingPatch(deviceCounts, row);
  }
}

/** Successful installs per device since `afterSeconds`; null when the optional stream failed. */
async function installsSince(client: NinjaOneClient, ctx: CollectContext<NinjaOneConfig>, afterSeconds: number): Promise<Map<number, number> | null> {
  const installed = new Map<number, number>();
  const counted = new Set<string>();
  const phases = ctx.phases ?? NO_PHASE_CLOCK;
  let page = 0;
  try {
    const params = { status: 'INSTALLED', installedAfter: afterSeconds };
    for await (const results of client.query<NinjaOsPatchRow>('v2/queries/os-patch-installs', params)) {
      ctx.sink.page('os_patch_installs');
      await ctx.sink.rawPage('os_patch_installs', ++page, results);
      phases.timeSync('mapping', () => {
        for (const row of results) {
          if (isRecord(row) && typeof row.deviceId === 'number' && upper(row.status) === 'INSTALLED' && firstSight(counted, installKey(row))) {
            installed.set(row.deviceId, (installed.get(row.deviceId) ?? 0) + 1);
          }
        }
      });
    }
    return installed;
  } catch (error) {
    // The budget, cancellation and a looping vendor belong to the whole run; anything else only costs installedCount.
    if (error instanceof BudgetExhaustedError || error instanceof PagingLoopError || ctx.signal.aborted || !(error instanceof Error)) throw error;
    ctx.log.warn({ stream: 'os_patch_installs', err: error }, 'ninjaone os-patch-installs failed; installed counts left empty');
    ctx.sink.optionalStreamFailed('os_patch_installs', error);
    return null;
  }
}

/**
 * A pending patch is one per device: its id (a uuid in the spec), else KB number and name; a row
 * with none of them is keyed by its whole content, so only an exact copy is dropped.
 */
export function pendingPatchKey(row: NinjaOsPatchRow): string {
  return `${row.deviceId}|${patchIdentity(row)}`;
}

/** An install is a patch on a device at an instant (the same patch may install twice in the window). */
export function installKey(row: NinjaOsPatchRow): string {
  return `${row.deviceId}|${patchIdentity(row)}|${String(row.installedAt)}`;
}

function patchIdentity(row: NinjaOsPatchRow): string {
  if (typeof row.id === 'string' && row.id !== '') return `id:${row.id}`;
  if (typeof row.kbNumber === 'string' || typeof row.name === 'string') return `kb:${row.kbNumber ?? ''}|${row.name ?? ''}`;
  return `row:${JSON.stringify(row)}`;
}

/** True the first time `key` is seen (and remembers it). */
function firstSight(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

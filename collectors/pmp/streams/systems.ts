/**
 * Per-system streams. Devices come from `/patch/scandetails` (the richer identity: MAC, agent
 * version, customer and branch office); patch status from `/patch/allsystems` (counts by severity
 * and kind). Both are paged per customer on an MSP edition server, once otherwise. Each page is
 * mapped and written before the next is fetched, so memory stays flat.
 *
 * Scope refusals (403): without scandetails the devices come from allsystems (no MACs or agent
 * versions) and the run is partial; without allsystems the devices are published without patch
 * status and the run is partial; without both there is nothing to publish.
 */
import { VendorAuthError } from '../../../warehouse/errors.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import { ScopeRefusedError, pages, type Params, type PmpClient } from '../client.js';
import type { PmpConfig } from '../config.js';
import { branchOfficeAlias, toDevice, toPatchStatus, type SiteOf } from '../map.js';
import { PATHS, type AllSystemsRow, type ScanDetailsRow } from '../types.js';
import type { Sites } from './sites.js';
import { describeType, isRecord } from '../../shared/fields.js';

interface Scope { params: Params; site: SiteOf }
type Ctx = CollectContext<PmpConfig>;

export async function collectSystems(ctx: Ctx, client: PmpClient, sites: Sites, summaryTotal: number | null): Promise<void> {
  const scopes: Scope[] = sites.mode === 'customers'
    ? sites.customers.map((c) => ({ params: { customerid: c.customer_id }, site: { mode: 'customers', customerId: c.customer_id } }))
    : [{ params: {}, site: { mode: 'branch_offices' } }];
  const aliases = new AliasTracker(ctx, sites.mode === 'branch_offices');
  const listed = await collectDevices(ctx, client, scopes, aliases);
  const total = await collectPatchStatus(ctx, client, scopes, listed === null ? aliases : null);
  const systems = listed ?? total;
  // The summary counts the same systems a moment earlier; a gap hints at customers the list missed.
  if (summaryTotal !== null && systems !== null && systems !== summaryTotal) {
    ctx.log.warn({ systems, summaryTotal }, 'pmp: the system lists and the summary disagree on the number of systems');
  }
}

/** Rows mapped; an item that is not an object at all (null, a number) is quarantined, never mapped. */
async function recordsOnly<Row, Out>(ctx: Ctx, stream: 'devices' | 'patch_status', rows: Row[], map: (row: Row) => Out): Promise<Out[]> {
  const out: Out[] = [];
  for (const row of rows) {
    if (isRecord(row)) out.push(map(row));
    else await ctx.sink.quarantine(stream, { vendorId: null, reason: `system row is ${describeType(row)}, expected an object`, payload: row });
  }
  return out;
}

/** Writes each branch office alias once, before the first device that names it. */
class AliasTracker {
  private readonly seen = new Set<string>();
  constructor(private readonly ctx: Ctx, private readonly enabled: boolean) {}
  async note(rows: ScanDetailsRow[]): Promise<void> {
    if (!this.enabled) return;
    const fresh = [];
    for (const row of rows) {
      if (!isRecord(row)) continue; // quarantined as a device
      const alias = branchOfficeAlias(row);
      if (this.seen.has(alias.externalId)) continue;
      this.seen.add(alias.externalId);
      fresh.push(alias);
    }
    if (fresh.length > 0) await this.ctx.sink.aliases(fresh);
  }
}

/** Devices from scandetails: their total, or null when scandetails is outside the token's scope (nothing written). */
async function collectDevices(ctx: Ctx, client: PmpClient, scopes: Scope[], aliases: AliasTracker): Promise<number | null> {
  let total = 0;
  let done = 0;
  let pageNo = 0;
  for (const scope of scopes) {
    try {
      for await (const page of pages<ScanDetailsRow>(client, PATHS.scandetails, 'scandetails', scope.params, ctx.config.pageSize)) {
        if (page.page === 1) total += page.total;
        await ctx.sink.rawPage('scandetails', ++pageNo, page.body);
        await aliases.note(page.rows);
        await ctx.sink.devices(await recordsOnly(ctx, 'devices', page.rows, (row) => toDevice(row, scope.site)));
        ctx.sink.page('devices');
        done += page.rows.length;
        ctx.progress('devices', done, total);
      }
    } catch (error) {
      if (!(error instanceof ScopeRefusedError) || done > 0) throw error;
      ctx.log.warn({ path: PATHS.scandetails }, 'pmp: scandetails refused with 403; taking devices from allsystems');
      ctx.sink.optionalStreamFailed('scandetails', error);
      return null;
    }
  }
  ctx.sink.expectTotal('devices', total);
  return total;
}

/** Patch status from allsystems (devices too when `aliases` is given): its total, or null when refused. */
async function collectPatchStatus(ctx: Ctx, client: PmpClient, scopes: Scope[], aliases: AliasTracker | null): Promise<number | null> {
  let total = 0;
  let done = 0;
  let pageNo = 0;
  for (const scope of scopes) {
    try {
      for await (const page of pages<AllSystemsRow>(client, PATHS.allsystems, 'allsystems', scope.params, ctx.config.pageSize)) {
        if (page.page === 1) total += page.total;
        await ctx.sink.rawPage('allsystems', ++pageNo, page.body);
        if (aliases) {
          await aliases.note(page.rows);
          await ctx.sink.devices(await recordsOnly(ctx, 'devices', page.rows, (row) => toDevice(row, scope.site)));
          ctx.sink.page('devices');
        }
        await ctx.sink.patchStatus(await recordsOnly(ctx, 'patch_status', page.rows, toPatchStatus));
        ctx.sink.page('patch_status');
        done += page.rows.length;
        ctx.progress('patch_status', done, total);
      }
    } catch (error) {
      if (!(error instanceof ScopeRefusedError)) throw error;
      if (aliases) {
        throw new VendorAuthError('pmp', 'both scandetails and allsystems were refused with 403: there is no system list to publish', error.context, { cause: error });
      }
      ctx.log.warn({ path: PATHS.allsystems }, 'pmp: allsystems refused with 403; publishing devices without patch status');
      ctx.sink.optionalStreamFailed('patch_status', error);
      return null;
    }
  }
  ctx.sink.expectTotal('patch_status', total);
  if (aliases) ctx.sink.expectTotal('devices', total);
  return total;
}

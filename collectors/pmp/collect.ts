/**
 * One Patch Manager Plus snapshot: log in, store the summary, resolve customers or branch offices,
 * then stream devices and per-system patch status into the sink, and last the vulnerability DB's
 * update status (a supplementary stream whose failure does not fail the run).
 */
import { WarehouseError } from '../../warehouse/errors.js';
import { createHttp, toCollectorError } from '../shared/http.js';
import type { CollectContext } from '../../warehouse/run/source.js';
import { createAuth } from './auth.js';
import { PmpClient } from './client.js';
import type { PmpConfig } from './config.js';
import { parsePmpJson } from './html.js';
import { collectDbUpdateStatus } from './streams/dbupdate.js';
import { resolveSites } from './streams/sites.js';
import { collectSummary } from './streams/summary.js';
import { collectSystems } from './streams/systems.js';

export async function collectPmp(ctx: CollectContext<PmpConfig>): Promise<void> {
  const { config } = ctx;
  const base = { vendor: 'pmp', budget: ctx.budget, log: ctx.log, signal: ctx.signal, retryPost: true };
  // The login and token POSTs are safe to repeat; no other call is a POST.
  const http = createHttp({ ...base, prefixUrl: config.baseUrl }).extend({ parseJson: parsePmpJson });
  const accounts = config.auth.mode === 'cloud' ? createHttp({ ...base, prefixUrl: config.auth.accountsUrl, urlKey: 'PMP_ACCOUNTS_URL' }) : null;
  const client = new PmpClient(http, createAuth(config.auth, http, accounts, ctx.log), ctx.log);
  try {
    const summaryTotal = await collectSummary(ctx, client);
    const sites = await resolveSites(ctx, client);
    await collectSystems(ctx, client, sites, summaryTotal);
    await collectDbUpdateStatus(ctx, client);
  } catch (error) {
    throw error instanceof WarehouseError ? error : toCollectorError(error, 'pmp');
  }
}

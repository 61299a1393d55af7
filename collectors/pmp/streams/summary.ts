/**
 * The environment-wide `/patch/summary`, stored once per run. It is fetched first so that it is
 * published even when a per-system endpoint is outside the token's scope. A summary that fails
 * validation is garbage and fails the run; a 403 makes it an optional stream's failure.
 */
import type { CollectContext } from '../../../warehouse/run/source.js';
import { ScopeRefusedError, type PmpClient } from '../client.js';
import type { PmpConfig } from '../config.js';
import { summaryRow } from '../summary.js';
import { PATHS } from '../types.js';

/** Stores the summary; returns its total_systems (null when refused) for a cross-check of the system lists. */
export async function collectSummary(ctx: CollectContext<PmpConfig>, client: PmpClient): Promise<number | null> {
  let fetched: Awaited<ReturnType<PmpClient['getEnvelope']>>;
  try {
    fetched = await client.getEnvelope(PATHS.summary);
  } catch (error) {
    if (error instanceof ScopeRefusedError) {
      ctx.log.warn({ path: PATHS.summary }, 'pmp: summary refused with 403; publishing systems without it');
      ctx.sink.optionalStreamFailed('summary', error);
      return null;
    }
    throw error;
  }
  await ctx.sink.rawPage('summary', 1, fetched.body);
  ctx.sink.page('summary');
  const row = summaryRow(fetched.body, fetched.fetchedAt);
  if (row.notes.length > 0) ctx.log.info({ notes: row.notes }, 'pmp: summary recorded with notes');
  await ctx.sink.patchSummary(row);
  return row.metrics['system_summary.total_systems'] as number;
}

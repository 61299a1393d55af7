/**
 * The vulnerability database's update status, fetched once per run after the systems. It feeds the
 * DB-freshness rule and the summary trend, but nothing the run publishes depends on it: whatever goes
 * wrong here (403, an error body such as 10022 on a server without the endpoint, an HTML page, a
 * malformed answer, the vendor unreachable after retries) is recorded as the stream's failure and the
 * run keeps its status. Only a cancellation of the run (its deadline, a signal) propagates.
 */
import { redact } from '../../../warehouse/redact.js';
import type { VulnDbStatusRow } from '../../shared/rows.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { PmpClient } from '../client.js';
import type { PmpConfig } from '../config.js';
import { vulnDbFailureRow, vulnDbStatusRow } from '../dbupdate.js';
import { PATHS } from '../types.js';

const STREAM = 'dbupdatestatus';

export async function collectDbUpdateStatus(ctx: CollectContext<PmpConfig>, client: PmpClient): Promise<void> {
  let fetched: Awaited<ReturnType<PmpClient['getEnvelope']>>;
  let row: VulnDbStatusRow;
  // Only the vendor's part is forgiven: a failure to write into the warehouse fails the run as anywhere else.
  try {
    fetched = await client.getEnvelope(PATHS.dbupdatestatus);
    row = vulnDbStatusRow(fetched.response, fetched.fetchedAt);
  } catch (thrown) {
    if (ctx.signal.aborted) throw thrown;
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    ctx.log.warn({ path: PATHS.dbupdatestatus, reason: redact(error.message) }, 'pmp: vulnerability DB update status not read; the run goes on without it');
    ctx.sink.supplementFailed(STREAM, error);
    await ctx.sink.vulnDbStatus(vulnDbFailureRow(redact(error.message), new Date()));
    return;
  }
  await ctx.sink.rawPage(STREAM, 1, fetched.body);
  ctx.sink.page(STREAM);
  await ctx.sink.vulnDbStatus(row);
}

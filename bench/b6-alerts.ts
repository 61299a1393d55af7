/**
 * B6 alerts: the alert evaluation after the nightly rollup (warehouse/alerts/evaluate.ts: every
 * configured condition observed, recorded in ops.alerts in one transaction) on the history, p95.
 * The first evaluation opens the alerts; the timed ones re-evaluate the same day (what a second
 * `warehouse alerts` does: nothing written). Compared with its reads alone: the condition queries it
 * sent, replayed outside the transaction.
 */
import { evaluateAlerts } from '../warehouse/alerts/evaluate.js';
import { capturingClient, isRead, replayP95, sampleP95 } from './capture.js';

export interface AlertsRun { p95: number; n: number; readsP95: number; reads: number; open: number; firstMs: number }

export async function benchAlerts(url: string, today: string): Promise<AlertsRun> {
  const client = capturingClient(url, { max: 2, onnotice: () => {} });
  try {
    const first = performance.now();
    await evaluateAlerts(client.sql, today);
    const firstMs = performance.now() - first;
    const { statements, value } = await client.capture(() => evaluateAlerts(client.sql, today));
    const reads = statements.filter(isRead);
    const timedRuns = await sampleP95(() => evaluateAlerts(client.sql, today), 20, 10_000);
    const replay = await replayP95(client.sql, reads, 20, 10_000);
    return { p95: timedRuns.p95, n: timedRuns.n, readsP95: replay.p95, reads: reads.length, open: value.open.length, firstMs };
  } finally {
    await client.sql.end({ timeout: 5 });
  }
}

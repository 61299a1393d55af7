/**
 * `/health`: each source instance's last run, last success, age and consecutive failures
 * (bi.collection_health), judged by the same rule as `warehouse status` (isStale against
 * WAREHOUSE_STALE_HOURS): the verdict here and the status command's exit code never disagree.
 */
import { isStale } from '../../commands/status.js';
import type { Answer, PageContext, Route } from '../server.js';
import { html, num, table, when, type Column } from '../html.js';

export interface HealthLine {
  source: string; instance: string; last_run_at: Date | null; last_run_status: string | null; last_success_at: Date | null; last_success_day: string | null;
  age_hours: number | null; consecutive_failures: number; rows: number | null; last_error: string | null; taken_late: boolean | null;
}

export async function healthLines(context: PageContext): Promise<HealthLine[]> {
  return context.sql<HealthLine[]>`
    select h.source, h.instance, h.last_run_at, h.last_run_status, h.last_success_at, h.last_success_day::text as last_success_day,
           (extract(epoch from h.age) / 3600.0)::float8 as age_hours, h.consecutive_failures::int as consecutive_failures, h.rows, h.last_error, h.taken_late
    from bi.collection_health as h
    order by h.source, h.instance`;
}

export function healthPage(staleAfterHours: number): Route {
  return {
    params: [],
    async handle(context): Promise<Answer> {
      const lines = await healthLines(context);
      const stale = lines.filter((l) => isStale(l, staleAfterHours));
      const verdict = lines.length === 0
        ? html`<p class="verdict bad">STALE: no source has ever been collected. Run <code>warehouse nightly</code>.</p>`
        : stale.length > 0
          ? html`<p class="verdict bad">STALE: ${stale.map((l) => l.source).join(', ')} (last success older than ${staleAfterHours} h or never). <code>warehouse status</code> exits 7.</p>`
          : html`<p class="verdict good">OK: every source succeeded within ${staleAfterHours} h (<code>warehouse status</code> exits 0).</p>`;
      const columns: Column<HealthLine>[] = [
        { label: 'Source', cell: (r) => (r.instance === 'default' ? r.source : `${r.source}/${r.instance}`) },
        { label: 'State', cell: (r) => (isStale(r, staleAfterHours) ? html`<strong class="bad">STALE</strong>` : html`<span class="good">ok</span>`) },
        { label: 'Last run', cell: (r) => when(r.last_run_at, context.timeZone) },
        { label: 'Outcome', cell: (r) => r.last_run_status ?? '' },
        { label: 'Last success', cell: (r) => when(r.last_success_at, context.timeZone) },
        { label: 'Snapshot day', cell: (r) => html`${r.last_success_day ?? ''}${r.taken_late ? html` <span class="warn">taken late</span>` : ''}` },
        { label: 'Age (h)', numeric: true, cell: (r) => (r.age_hours === null ? '' : (Math.round(r.age_hours * 10) / 10).toFixed(1)) },
        { label: 'Failures since', numeric: true, cell: (r) => num(r.consecutive_failures) },
        { label: 'Devices', numeric: true, cell: (r) => num(r.rows) },
        { label: 'Last error', cell: (r) => (r.last_error ?? '').split('\n')[0] ?? '' },
      ];
      const body = html`${verdict}<p class="note">Times in ${context.timeZone}.</p>${table(columns, lines, { id: 'health', empty: 'Nothing collected yet.' })}`;
      return { kind: 'page', title: 'Collection health', body };
    },
  };
}

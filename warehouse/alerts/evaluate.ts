/**
 * Turns what the conditions see now into the lasting record ops.alerts, idempotently, in one
 * transaction: an observation with no open alert opens one (first and last seen = the evaluation day);
 * one with an open alert moves its last seen (and value) on; an open alert its condition no longer
 * sees, or whose condition was switched off, is resolved on the evaluation day. A resolved alert is
 * history: the condition coming back opens a new alert. Re-evaluating the same day with the same data
 * writes nothing.
 */
import type { Sql as Client, TransactionSql } from 'postgres';

/** A client or a transaction: the evaluation runs these inside its transaction. */
type Sql = Client | TransactionSql;
import { loadConditions, observe, type Observation } from './conditions.js';

/** Serialises evaluations (a `warehouse alerts` while the nightly runs). "WA" 3. */
const LOCK_CLASS = 0x5741_0003;

export interface OpenAlert {
  alertId: number;
  condition: string;
  subject: string;
  detail: string;
  value: number | null;
  threshold: number | null;
  firstSeenOn: string;
  lastSeenOn: string;
  notifiedAt: Date | null;
  notifyAttempts: number;
  notifyError: string | null;
}

export interface EvaluationResult {
  day: string;
  opened: number;
  resolved: number;
  /** Every alert open after the evaluation, oldest first. */
  open: OpenAlert[];
}

export async function evaluateAlerts(sql: Client, today: string): Promise<EvaluationResult> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_CLASS}, 0)`;
    const settings = await loadConditions(tx);
    const seen = await observe(tx, settings, today);
    const opened = await record(tx, seen, today);
    const enabled = settings.filter((s) => s.enabled).map((s) => s.condition);
    const conditions = seen.map((o) => o.condition);
    const subjects = seen.map((o) => o.subjectKey);
    // An alert seen later than today (a replayed past night) is left as it is: the past cannot resolve it.
    const resolved = await tx`
      update ops.alerts set status = 'resolved', resolved_on = ${today}::date
      where status = 'open' and last_seen_on <= ${today}::date
        and (not (condition = any(${enabled}::text[]))
          or (condition, subject_key) not in (select * from unnest(${conditions}::text[], ${subjects}::text[])))`;
    return { day: today, opened, resolved: resolved.count, open: await openAlerts(tx) };
  });
}

async function record(tx: Sql, seen: Observation[], today: string): Promise<number> {
  if (seen.length === 0) return 0;
  const rows = seen.map((o) => ({
    condition: o.condition, subject_key: o.subjectKey, subject: o.subject, detail: o.detail,
    value: o.value === null ? null : String(o.value), threshold: o.threshold === null ? null : String(o.threshold),
  }));
  const written = await tx<{ inserted: boolean }[]>`
    insert into ops.alerts as a (condition, subject_key, subject, detail, value, threshold, first_seen_on, last_seen_on)
    select x.condition, x.subject_key, x.subject, x.detail, x.value::numeric, x.threshold::numeric, ${today}::date, ${today}::date
    from jsonb_to_recordset(${tx.json(rows)}) as x(condition text, subject_key text, subject text, detail text, value text, threshold text)
    on conflict (condition, subject_key) where status = 'open' do update set
      subject = excluded.subject,
      detail = excluded.detail,
      value = excluded.value,
      threshold = excluded.threshold,
      last_seen_on = excluded.last_seen_on
    -- A later day, or a changed threshold, moves the alert on; the same day again keeps its first
    -- value (a database a few pages larger is not news), so a re-run writes nothing. An earlier day
    -- (a replayed past night) leaves it alone.
    where excluded.last_seen_on > a.last_seen_on
      or (excluded.last_seen_on = a.last_seen_on and excluded.threshold is distinct from a.threshold)
    returning (xmax = 0) as inserted`;
  return written.filter((r) => r.inserted).length;
}

export async function openAlerts(sql: Sql): Promise<OpenAlert[]> {
  const rows = await sql<Array<Omit<OpenAlert, 'value' | 'threshold'> & { value: string | null; threshold: string | null }>>`
    select alert_id::int as "alertId", condition, subject, detail, value::text as value, threshold::text as threshold,
           first_seen_on::text as "firstSeenOn", last_seen_on::text as "lastSeenOn", notified_at as "notifiedAt",
           notify_attempts as "notifyAttempts", notify_error as "notifyError"
    from ops.alerts
    where status = 'open'
    order by first_seen_on, alert_id`;
  return rows.map((r) => ({ ...r, value: r.value === null ? null : Number(r.value), threshold: r.threshold === null ? null : Number(r.threshold) }));
}

/**
 * Cross-vendor findings, persisted so they survive re-runs with their acknowledgement. The findings
 * themselves are SQL (views/staging/cross_vendor_findings.sql over device_matches.sql); this module
 * turns the current findings into the lasting record, idempotently:
 *
 * - a finding that holds is opened (first and last seen = the as-of day) or has last_seen moved on;
 *   an acknowledged one stays acknowledged with its note; a resolved one that returns reopens;
 * - a finding that no longer holds is resolved with the as-of day, but only within the scopes the
 *   latest snapshots can judge (staging.cross_vendor_scopes), so a source that has not published
 *   today resolves nothing;
 * - re-evaluating a day replaces that day's verdict: a finding first seen on the as-of day that no
 *   longer holds, never acknowledged, is removed rather than resolved (it never held on the final data).
 *
 * The as-of day is the latest snapshot day any source published. The nightly rollup calls it once,
 * after the last collector (rollups/run.ts); `warehouse exceptions refresh` on demand. Each
 * refresh also records the per-device picture it judged (core.device_matches, with the rule that
 * matched) and itself (ops.exception_refreshes); bi.coverage reads both, so it always agrees with
 * the exceptions.
 *
 * Two ways to find the day's findings, one way to record them. The full re-judgement reads the views
 * over every device. The incremental one (incremental.ts, the default) re-judges only the devices
 * the night's changes can affect and keeps the rest of the last refresh's findings; it is used only
 * when that state can be trusted: a refresh before it kept it, with the same basis (roles, sites,
 * aliases, billing policy, site sources, scopes, the views), and the as-of day did not go back.
 * Otherwise, or with `--full`, the refresh is full. Both leave the same findings (tests/sites/
 * incremental-findings.test.ts compares them after random churn), and all of it is one transaction.
 */
import type { Sql, TransactionSql } from 'postgres';
import { UsageError } from '../errors.js';
import { currentBasis, diffKeys, keepFindings, rebuildKeys, rejudge } from './incremental.js';

/** Serialises concurrent refreshes (several collectors finishing together). "WA" 2. */
const LOCK_CLASS = 0x5741_0002;

export interface RefreshResult {
  /** The snapshot day the findings describe; null when nothing is published yet. */
  asOf: string | null;
  opened: number;
  reopened: number;
  resolved: number;
  removed: number;
  /** Findings open or acknowledged after the refresh. */
  open: number;
  acknowledged: number;
  /** full: every device re-judged by the views; incremental: only what the night's changes touch. */
  mode: 'full' | 'incremental';
  /** Why the refresh was full (null when incremental). */
  fullBecause: string | null;
  /** Devices new, gone or with a changed key row since the last refresh. */
  changed: number;
  /** Non-RMM devices re-matched (incremental), or every device (full). */
  rematched: number;
}

export interface RefreshOptions {
  /** Re-judge every device from the views, whatever the kept state (`warehouse exceptions refresh --full`). */
  full?: boolean;
}

export async function refreshExceptions(sql: Sql, options: RefreshOptions = {}): Promise<RefreshResult> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK_CLASS}, 0)`;
    const [asOf] = await tx<{ day: string | null }[]>`select max(snapshot_day)::text as day from staging.source_days_latest`;
    const result: RefreshResult = {
      asOf: asOf?.day ?? null, opened: 0, reopened: 0, resolved: 0, removed: 0, open: 0, acknowledged: 0,
      mode: 'full', fullBecause: null, changed: 0, rematched: 0,
    };
    if (result.asOf === null) return result;
    const day = result.asOf;
    // The matching views join derived sets whose row counts the planner cannot see (the latest
    // snapshot of each source); a nested loop over them is quadratic, hash joins are linear.
    await tx`set local enable_nestloop = off`;
    const basis = await currentBasis(tx);
    result.fullBecause = options.full ? 'asked for (--full)' : await untrusted(tx, basis, day);
    if (result.fullBecause === null) {
      result.mode = 'incremental';
      result.changed = await diffKeys(tx);
      result.rematched = (await rejudge(tx)).rematched;
    } else {
      result.changed = result.rematched = await rebuildKeys(tx);
      await tx`create temp table found on commit drop as select * from staging.cross_vendor_findings`;
      await recordPicture(tx);
    }
    await keepFindings(tx);
    await tx`create temp table judged on commit drop as select kind, source_instance_id from staging.cross_vendor_scopes`;
    await tx`create unique index on found (site_id, kind, subject_key)`;

    const [returning] = await tx<{ n: number }[]>`
      select count(*)::int as n from core.exceptions as e
      inner join found as f on f.site_id = e.site_id and f.kind = e.kind and f.subject_key = e.subject_key
      where e.status = 'resolved' and e.resolved_on <= ${day}::date`;
    result.reopened = returning?.n ?? 0;
    const reopen = 'e.status = \'resolved\' and e.resolved_on <= excluded.last_seen_on';
    const upserted = await tx.unsafe<{ inserted: boolean }[]>(`
      insert into core.exceptions as e (site_id, kind, subject_key, source_instance_id, device_id, subject_name, detail, first_seen_on, last_seen_on, status)
      select f.site_id, f.kind, f.subject_key, f.source_instance_id, f.device_id, f.subject_name, f.detail, $1::date, $1::date, 'open'
      from found as f
      on conflict (site_id, kind, subject_key) do update set
        source_instance_id = excluded.source_instance_id,
        device_id = excluded.device_id,
        subject_name = excluded.subject_name,
        detail = case when excluded.last_seen_on >= e.last_seen_on then excluded.detail else e.detail end,
        first_seen_on = least(e.first_seen_on, excluded.first_seen_on),
        last_seen_on = greatest(e.last_seen_on, excluded.last_seen_on),
        status = case when ${reopen} then 'open' else e.status end,
        resolved_on = case when ${reopen} then null else e.resolved_on end
      where (e.source_instance_id, e.device_id, e.subject_name, e.detail, e.last_seen_on, e.status)
        is distinct from (excluded.source_instance_id, excluded.device_id, excluded.subject_name,
          case when excluded.last_seen_on >= e.last_seen_on then excluded.detail else e.detail end,
          greatest(e.last_seen_on, excluded.last_seen_on),
          case when ${reopen} then 'open' else e.status end)
      returning (xmax = 0) as inserted`, [day]);
    result.opened = upserted.filter((r) => r.inserted).length;

    const gone = tx`
      select e.site_id, e.exception_id from core.exceptions as e
      inner join judged as j on j.kind = e.kind and j.source_instance_id = e.source_instance_id
      where e.status in ('open', 'acknowledged')
        and not exists (
          select 1 from found as f where f.site_id = e.site_id and f.kind = e.kind and f.subject_key = e.subject_key
        )`;
    const removed = await tx`
      delete from core.exceptions as e
      where (e.site_id, e.exception_id) in (${gone})
        and e.status = 'open' and e.first_seen_on >= ${day}::date and e.note is null`;
    result.removed = removed.count;
    const resolved = await tx`
      update core.exceptions as e set status = 'resolved', resolved_on = ${day}::date
      where (e.site_id, e.exception_id) in (${gone})`;
    result.resolved = resolved.count;

    const [counts] = await tx<{ open: number; acknowledged: number }[]>`
      select count(*) filter (where status = 'open')::int as open,
             count(*) filter (where status = 'acknowledged')::int as acknowledged
      from core.exceptions`;
    result.open = counts?.open ?? 0;
    result.acknowledged = counts?.acknowledged ?? 0;
    await tx`
      insert into ops.exception_refreshes (as_of, judged, opened, reopened, resolved, removed, open, acknowledged, mode, basis, changed, rematched)
      values (${day}::date, array(select kind || ':' || source_instance_id from judged order by 1),
        ${result.opened}, ${result.reopened}, ${result.resolved}, ${result.removed}, ${result.open}, ${result.acknowledged},
        ${result.mode}, ${basis}, ${result.changed}, ${result.rematched})`;
    return result;
  });
}

/** Why the kept state cannot be trusted for an incremental refresh, or null when it can. */
async function untrusted(tx: TransactionSql, basis: string, day: string): Promise<string | null> {
  const [last] = await tx<{ basis: string | null; as_of: string }[]>`
    select basis, as_of::text as as_of from ops.exception_refreshes order by refresh_id desc limit 1`;
  if (!last) return 'first refresh';
  if (last.basis === null) return 'no incremental state kept yet';
  if (last.basis !== basis) return 'roles, sites, aliases, billing policy, site sources, scopes or the matching views changed';
  if (day < last.as_of) return `the as-of day went back (${last.as_of} to ${day})`;
  return null;
}

/** Replace core.device_matches with today's picture (from core.match_keys, just rebuilt), rewriting no row that did not change. */
async function recordPicture(tx: TransactionSql): Promise<void> {
  await tx`
    create temp table picture on commit drop as
    select k.site_id, k.device_id, k.source_instance_id, k.billing_status,
      k.is_spare, k.host_key, m.rmm_device_id, m.rmm_site_id, m.match_rule, m.ambiguity
    from core.match_keys as k
    left join staging.device_matches as m on m.device_id = k.device_id`;
  await tx`
    delete from core.device_matches as dm
    where not exists (select 1 from picture as p where p.site_id = dm.site_id and p.device_id = dm.device_id)`;
  await tx`
    insert into core.device_matches as dm (site_id, device_id, source_instance_id, billing_status,
      is_spare, host_key, rmm_device_id, rmm_site_id, match_rule, ambiguity)
    select * from picture
    on conflict (site_id, device_id) do update set
      source_instance_id = excluded.source_instance_id,
      billing_status = excluded.billing_status, is_spare = excluded.is_spare, host_key = excluded.host_key,
      rmm_device_id = excluded.rmm_device_id, rmm_site_id = excluded.rmm_site_id, match_rule = excluded.match_rule,
      ambiguity = excluded.ambiguity
    where (dm.source_instance_id, dm.billing_status, dm.is_spare, dm.host_key,
        dm.rmm_device_id, dm.rmm_site_id, dm.match_rule, dm.ambiguity)
      is distinct from (excluded.source_instance_id, excluded.billing_status,
        excluded.is_spare, excluded.host_key, excluded.rmm_device_id, excluded.rmm_site_id, excluded.match_rule, excluded.ambiguity)`;
}

export interface AcknowledgedException { exceptionId: number; site: string; kind: string; subjectName: string | null; status: string }

/** Acknowledge an open finding (or change an acknowledged one's note). Resolved findings are history. */
export async function acknowledgeException(sql: Sql, exceptionId: number, note: string): Promise<AcknowledgedException> {
  const text = note.trim();
  if (text === '') throw new UsageError('the note is empty', 'Say why the finding is accepted: --note "in the spare cupboard, agent removal booked"');
  const [row] = await sql<{ exception_id: number; site: string; kind: string; subject_name: string | null; status: string; resolved_on: string | null }[]>`
    select e.exception_id::int as exception_id, s.name as site, e.kind, e.subject_name, e.status, e.resolved_on::text as resolved_on
    from core.exceptions as e inner join core.sites as s on s.site_id = e.site_id
    where e.exception_id = ${exceptionId}`;
  if (!row) throw new UsageError(`no exception ${exceptionId}`, 'List them with `warehouse exceptions list`.');
  if (row.status === 'resolved') {
    throw new UsageError(`exception ${exceptionId} was resolved on ${row.resolved_on}: the condition has cleared`, 'Nothing to acknowledge; it reopens by itself if the condition returns.');
  }
  await sql`
    update core.exceptions set status = 'acknowledged', note = ${text}, acknowledged_at = now()
    where exception_id = ${exceptionId} and status in ('open', 'acknowledged')`;
  return { exceptionId: row.exception_id, site: row.site, kind: row.kind, subjectName: row.subject_name, status: 'acknowledged' };
}

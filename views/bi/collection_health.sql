-- one row per source instance: last run, last success, age, consecutive failures, rows
-- grain: source, instance
create view bi.collection_health as
with runs as (
    select
        r.source_instance_id,
        r.run_id,
        r.snapshot_day,
        r.started_at,
        r.finished_at,
        r.status,
        r.exit_code,
        r.error_code,
        r.error_message,
        r.rows_devices,
        r.taken_at,
        r.taken_late,
        r.status in ('succeeded', 'partial') as is_success
    from ops.sync_runs as r
),
last_run as (
    select distinct on (runs.source_instance_id) runs.*
    from runs
    order by runs.source_instance_id, runs.started_at desc, runs.run_id desc
),
last_success as (
    select distinct on (runs.source_instance_id) runs.*
    from runs
    where runs.is_success
    order by runs.source_instance_id, runs.started_at desc, runs.run_id desc
),
failures as (
    select
        runs.source_instance_id,
        count(*) filter (
            where runs.status in ('failed', 'refused')
            and runs.started_at > coalesce(ls.started_at, '-infinity')
        ) as consecutive_failures
    from runs
    left join last_success as ls on ls.source_instance_id = runs.source_instance_id
    group by runs.source_instance_id
)
select
    si.source,
    si.instance,
    lr.started_at as last_run_at,
    lr.status as last_run_status,
    lr.exit_code as last_run_exit_code,
    lr.error_code as last_error_code,
    lr.error_message as last_error,
    ls.finished_at as last_success_at,
    ls.snapshot_day as last_success_day,
    now() - ls.finished_at as age,
    round(extract(epoch from now() - ls.finished_at) / 3600.0, 1) as age_hours,
    coalesce(f.consecutive_failures, 0) as consecutive_failures,
    ls.rows_devices as rows,
    coalesce(pending.days, '{}') as retention_pending_days,
    ls.taken_at as last_success_taken_at,
    ls.taken_late
from ops.source_instances as si
left join last_run as lr on lr.source_instance_id = si.source_instance_id
left join last_success as ls on ls.source_instance_id = si.source_instance_id
left join failures as f on f.source_instance_id = si.source_instance_id
left join lateral (
    select array_agg(rp.snapshot_day order by rp.snapshot_day) as days
    from ops.retention_pending_days as rp
    where exists (
        select 1 from ops.source_days as sd
        where sd.source_instance_id = si.source_instance_id and sd.snapshot_day = rp.snapshot_day
    )
) as pending on true;

comment on view bi.collection_health is 'One row per source instance: its last run, last successful run, how old the last success is, consecutive failures since, and the rows it published; the days past daily retention it still has because retention found one of their partitions busy; whether the last success was taken after its snapshot day (a replay accepted with --accept-past-date).';
comment on column bi.collection_health.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.collection_health.instance is 'Source instance.';
comment on column bi.collection_health.last_run_at is 'When the most recent run started.';
comment on column bi.collection_health.last_run_status is 'running, succeeded, partial, failed or refused.';
comment on column bi.collection_health.last_run_exit_code is 'Exit code of the most recent run: 0 ok, 1 internal error, 2 usage or configuration, 3 published but an optional stream failed, 4 the completeness gate refused to publish, 5 another run held the lock, 6 vendor authentication failed, 7 vendor unavailable or stalled, 8 database unavailable.';
comment on column bi.collection_health.last_error_code is 'Error code of the most recent run, if it failed.';
comment on column bi.collection_health.last_error is 'Error message of the most recent run (secrets redacted).';
comment on column bi.collection_health.last_success_at is 'When the last successful (or partial) run finished.';
comment on column bi.collection_health.last_success_day is 'Snapshot day of the last successful run.';
comment on column bi.collection_health.age is 'Time since the last success.';
comment on column bi.collection_health.age_hours is 'Hours since the last success, one decimal.';
comment on column bi.collection_health.consecutive_failures is 'Failed or refused runs since the last success.';
comment on column bi.collection_health.rows is 'Devices published by the last successful run.';
comment on column bi.collection_health.retention_pending_days is 'Days of this source instance past daily retention (WAREHOUSE_RETENTION_DAILY_DAYS) that the last retention could not drop because a query held one of their partitions: each is still whole (device days, patch status, daily counts and source-day all readable) and is dropped by a later retention. Empty when none. A month not yet ended keeps its days by design and is not listed.';
comment on column bi.collection_health.last_success_taken_at is 'When the data of the last successful run was really taken from the vendor (its fetch began).';
comment on column bi.collection_health.taken_late is 'True when the last successful run''s snapshot day is before the day its data was taken (WAREHOUSE_TIMEZONE): a past day accepted with --accept-past-date, which is honest only for a replay of recorded vendor data or a simulator set to that day. Null before any success.';

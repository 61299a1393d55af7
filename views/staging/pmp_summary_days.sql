-- one row per PMP source instance per day with a stored /patch/summary or /patch/dbupdatestatus: the metrics the compliance rules read, typed
create view staging.pmp_summary_days as
with summaries as (
    select
        ps.source_instance_id,
        ps.snapshot_day,
        ps.taken_at,
        ps.metrics
    from core.pmp_summaries as ps
),
db_updates as (
    -- the vulnerability DB's own endpoint; a row with fetch_error holds no values and falls back to the summary
    select
        du.source_instance_id,
        du.snapshot_day,
        du.fetched_at,
        du.last_db_update_status,
        du.last_db_update_at,
        du.next_db_update_at,
        du.auto_update_disabled,
        du.fetch_error
    from core.pmp_db_updates as du
),
numbers as (
    -- only numeric leaves, so that a malformed value reads as missing instead of failing every query
    select
        s.source_instance_id,
        s.snapshot_day,
        s.taken_at,
        coalesce(jsonb_object_agg(m.key, m.value) filter (where jsonb_typeof(m.value) = 'number'), '{}'::jsonb) as n
    from summaries as s
    left join lateral jsonb_each(s.metrics) as m (key, value) on true
    group by s.source_instance_id, s.snapshot_day, s.taken_at
),
days as (
    select
        coalesce(nb.source_instance_id, du.source_instance_id) as source_instance_id,
        coalesce(nb.snapshot_day, du.snapshot_day) as snapshot_day,
        coalesce(nb.taken_at, du.fetched_at) as taken_at,
        coalesce(nb.n, '{}'::jsonb) as n,
        nb.source_instance_id is not null as has_summary,
        du.last_db_update_status,
        du.next_db_update_at,
        du.auto_update_disabled,
        du.fetch_error,
        -- dbupdatestatus is the vulnerability DB's own answer: it wins over the summary's copy when it was read
        case
            when du.last_db_update_at is not null then 'dbupdatestatus'
            when nb.n ? 'vulnerability_db_summary.last_db_update_time' then 'summary'
        end as vuln_db_basis,
        coalesce(du.last_db_update_at, to_timestamp((nb.n ->> 'vulnerability_db_summary.last_db_update_time')::numeric / 1000.0)) as vuln_db_updated_at,
        case when du.last_db_update_at is not null then du.fetched_at else nb.taken_at end as vuln_db_observed_at
    from numbers as nb
    full join db_updates as du
        on du.source_instance_id = nb.source_instance_id
        and du.snapshot_day = nb.snapshot_day
)
select
    d.source_instance_id,
    d.snapshot_day,
    d.taken_at,
    -- distinct missing patches across every system the server manages (spares and stale ones included)
    (d.n ->> 'missing_patch_severity_summary.critical_count')::numeric as critical_count,
    (d.n ->> 'missing_patch_severity_summary.important_count')::numeric as important_count,
    (d.n ->> 'missing_patch_severity_summary.moderate_count')::numeric as moderate_count,
    (d.n ->> 'missing_patch_severity_summary.low_count')::numeric as low_count,
    (d.n ->> 'missing_patch_severity_summary.unrated_count')::numeric as unrated_count,
    d.vuln_db_updated_at,
    -- measured as of the fetch that reported it, but never later than the end of the snapshot day, so a
    -- back-filled day is judged as of its own day (as in staging.patch_device_days); days end in the
    -- warehouse's time zone (core.settings)
    round((extract(epoch from least(d.vuln_db_observed_at, core.day_end(d.snapshot_day, st.time_zone))
        - d.vuln_db_updated_at) / 86400.0)::numeric, 2) as vuln_db_age_days,
    (d.n ->> 'apd_summary.number_of_apd_tasks')::numeric as apd_tasks,
    d.has_summary,
    d.vuln_db_basis,
    d.last_db_update_status as vuln_db_last_update_status,
    d.next_db_update_at as vuln_db_next_update_at,
    d.auto_update_disabled as vuln_db_auto_update_disabled,
    d.fetch_error as vuln_db_fetch_error
from days as d
cross join core.settings as st;

-- one row per PMP source instance per day with a stored /patch/summary: the metrics the compliance rules read, typed
create view staging.pmp_summary_days as
with summaries as (
    select
        ps.source_instance_id,
        ps.snapshot_day,
        ps.taken_at,
        ps.metrics
    from core.pmp_summaries as ps
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
)
select
    nb.source_instance_id,
    nb.snapshot_day,
    nb.taken_at,
    -- distinct missing patches across every system the server manages (spares and stale ones included)
    (nb.n ->> 'missing_patch_severity_summary.critical_count')::numeric as critical_count,
    (nb.n ->> 'missing_patch_severity_summary.important_count')::numeric as important_count,
    (nb.n ->> 'missing_patch_severity_summary.moderate_count')::numeric as moderate_count,
    (nb.n ->> 'missing_patch_severity_summary.low_count')::numeric as low_count,
    (nb.n ->> 'missing_patch_severity_summary.unrated_count')::numeric as unrated_count,
    to_timestamp((nb.n ->> 'vulnerability_db_summary.last_db_update_time')::numeric / 1000.0) as vuln_db_updated_at,
    -- measured as of the fetch, but never later than the end of the snapshot day, so a
    -- back-filled day is judged as of its own day (as in staging.patch_device_days); days end in the
    -- warehouse's time zone (core.settings)
    round((extract(epoch from least(nb.taken_at, core.day_end(nb.snapshot_day, st.time_zone))
        - to_timestamp((nb.n ->> 'vulnerability_db_summary.last_db_update_time')::numeric / 1000.0)) / 86400.0)::numeric, 2)
        as vuln_db_age_days,
    (nb.n ->> 'apd_summary.number_of_apd_tasks')::numeric as apd_tasks
from numbers as nb
cross join core.settings as st;

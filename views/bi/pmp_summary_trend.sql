-- one row per PMP summary snapshot (source instance × day) × metric, with its 7, 30 and 90-day changes and their direction
-- grain: source, instance, snapshot_day, metric
create view bi.pmp_summary_trend as
with db_metrics as (
    -- /patch/dbupdatestatus as metrics of the same snapshot: dbupdatestatus.<field> as PMP names it,
    -- times in epoch milliseconds like the summary's; a failed fetch is one text metric, fetch_error
    select
        du.source_instance_id,
        du.snapshot_day,
        du.fetched_at,
        jsonb_strip_nulls(jsonb_build_object(
            'dbupdatestatus.last_db_update_status', du.last_db_update_status,
            'dbupdatestatus.last_db_update_time', (extract(epoch from du.last_db_update_at) * 1000)::bigint,
            'dbupdatestatus.next_db_update_scheduled_time', (extract(epoch from du.next_db_update_at) * 1000)::bigint,
            'dbupdatestatus.is_auto_db_update_disabled', du.auto_update_disabled,
            'dbupdatestatus.fetch_error', du.fetch_error
        )) as metrics
    from core.pmp_db_updates as du
),
summaries as (
    select
        coalesce(ps.source_instance_id, dm.source_instance_id) as source_instance_id,
        coalesce(ps.snapshot_day, dm.snapshot_day) as snapshot_day,
        coalesce(ps.taken_at, dm.fetched_at) as taken_at,
        coalesce(ps.notes, '{}') as notes,
        ps.severity_sum_difference,
        coalesce(ps.metrics, '{}'::jsonb) || coalesce(dm.metrics, '{}'::jsonb) as metrics
    from core.pmp_summaries as ps
    full join db_metrics as dm
        on dm.source_instance_id = ps.source_instance_id
        and dm.snapshot_day = ps.snapshot_day
),
instances as (
    select
        si.source_instance_id,
        si.source,
        si.instance
    from ops.source_instances as si
),
metric_values as (
    select
        s.source_instance_id,
        s.snapshot_day,
        s.taken_at,
        s.notes,
        s.severity_sum_difference,
        m.key as metric,
        case
            when m.key like '%\_time' and jsonb_typeof(m.value) = 'number' then 'epoch_ms'
            when jsonb_typeof(m.value) = 'number' then 'count'
            when jsonb_typeof(m.value) = 'boolean' then 'boolean'
            else 'text'
        end as kind,
        case when jsonb_typeof(m.value) = 'number' then (m.value #>> '{}')::numeric end as value,
        m.value #>> '{}' as raw_text
    from summaries as s
    cross join lateral jsonb_each(s.metrics) as m (key, value)
),
horizons as (
    select h.days from (values (7), (30), (90)) as h (days)
),
compared as (
    -- the baseline is the latest snapshot on or before N days earlier, tolerating up to 3 missed nights
    select
        mv.source_instance_id,
        mv.snapshot_day,
        mv.metric,
        h.days,
        b.snapshot_day as baseline_day,
        mv.value - b.value as change,
        case
            when mv.value is not null and b.value is not null then
                case sign(mv.value - b.value) when 1 then 'up' when -1 then 'down' else 'unchanged' end
            when mv.raw_text is not distinct from b.raw_text then 'unchanged'
            else 'changed'
        end as direction
    from metric_values as mv
    cross join horizons as h
    cross join lateral (
        select
            p.snapshot_day,
            case when jsonb_typeof(p.metrics -> mv.metric) = 'number' then (p.metrics ->> mv.metric)::numeric end as value,
            p.metrics ->> mv.metric as raw_text
        from summaries as p
        where p.source_instance_id = mv.source_instance_id
            and p.metrics ? mv.metric
            and p.snapshot_day between mv.snapshot_day - h.days - 3 and mv.snapshot_day - h.days
        order by p.snapshot_day desc
        limit 1
    ) as b
),
pivoted as (
    select
        c.source_instance_id,
        c.snapshot_day,
        c.metric,
        max(c.baseline_day) filter (where c.days = 7) as baseline_day_7d,
        max(c.change) filter (where c.days = 7) as change_7d,
        max(c.direction) filter (where c.days = 7) as direction_7d,
        max(c.baseline_day) filter (where c.days = 30) as baseline_day_30d,
        max(c.change) filter (where c.days = 30) as change_30d,
        max(c.direction) filter (where c.days = 30) as direction_30d,
        max(c.baseline_day) filter (where c.days = 90) as baseline_day_90d,
        max(c.change) filter (where c.days = 90) as change_90d,
        max(c.direction) filter (where c.days = 90) as direction_90d
    from compared as c
    group by c.source_instance_id, c.snapshot_day, c.metric
)
select
    i.source,
    i.instance,
    mv.snapshot_day,
    mv.taken_at,
    mv.metric,
    split_part(mv.metric, '.', 1) as metric_group,
    mv.kind,
    case
        when mv.metric in (
            'patch_summary.installed_patches', 'system_summary.healthy_systems', 'patch_scan_summary.scanned_systems',
            'patch_scan_summary.scan_success_count', 'vulnerability_db_summary.last_db_update_time', 'apd_summary.number_of_apd_tasks',
            'dbupdatestatus.last_db_update_time'
        ) then true
        when mv.metric in (
            'patch_summary.missing_patches', 'missing_patch_severity_summary.critical_count', 'missing_patch_severity_summary.important_count',
            'missing_patch_severity_summary.moderate_count', 'missing_patch_severity_summary.low_count',
            'missing_patch_severity_summary.unrated_count', 'missing_patch_severity_summary.total_count',
            'system_summary.moderately_vulnerable_systems', 'system_summary.highly_vulnerable_systems',
            'system_summary.health_unknown_systems', 'patch_scan_summary.unscanned_system_count', 'patch_scan_summary.scan_failure_count'
        ) then false
    end as higher_is_better,
    mv.value,
    case
        when mv.kind = 'epoch_ms' then to_char(to_timestamp(mv.value / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        else mv.raw_text
    end as value_text,
    pv.baseline_day_7d,
    pv.change_7d,
    pv.direction_7d,
    pv.baseline_day_30d,
    pv.change_30d,
    pv.direction_30d,
    pv.baseline_day_90d,
    pv.change_90d,
    pv.direction_90d,
    mv.severity_sum_difference,
    mv.notes as snapshot_notes
from metric_values as mv
inner join instances as i on i.source_instance_id = mv.source_instance_id
left join pivoted as pv
    on pv.source_instance_id = mv.source_instance_id
    and pv.snapshot_day = mv.snapshot_day
    and pv.metric = mv.metric;

comment on view bi.pmp_summary_trend is 'One row per PMP snapshot (source instance × snapshot day) × metric: the 27 flattened <group>.<metric> keys of /patch/summary, and the dbupdatestatus.* fields of /patch/dbupdatestatus (the vulnerability DB''s own update status, fetched in the same run), with the change against the snapshot 7, 30 and 90 days earlier and its direction. The baseline is the latest snapshot between N and N+3 days before, so a few missed nights still compare; with none, the change and direction are null.';
comment on column bi.pmp_summary_trend.source is 'Always pmp.';
comment on column bi.pmp_summary_trend.instance is 'PMP source instance (server).';
comment on column bi.pmp_summary_trend.snapshot_day is 'Snapshot day (MSP time zone) of the summary.';
comment on column bi.pmp_summary_trend.taken_at is 'When the summary was fetched (the instant its counts describe); when the day has no summary, when dbupdatestatus was fetched.';
comment on column bi.pmp_summary_trend.metric is 'Metric key, <group>.<metric> as PMP names it, e.g. missing_patch_severity_summary.critical_count; envelope.* are the response envelope''s fields; dbupdatestatus.* are /patch/dbupdatestatus fields (last_db_update_status, last_db_update_time, next_db_update_scheduled_time, is_auto_db_update_disabled), or dbupdatestatus.fetch_error (text) when that endpoint could not be read in the run.';
comment on column bi.pmp_summary_trend.metric_group is 'The metric''s group: patch_summary, missing_patch_severity_summary, system_summary, patch_scan_summary, vulnerability_db_summary, apd_summary, envelope or dbupdatestatus.';
comment on column bi.pmp_summary_trend.kind is 'count (a number), epoch_ms (a time in epoch milliseconds), boolean or text.';
comment on column bi.pmp_summary_trend.higher_is_better is 'True when an increase is an improvement (e.g. healthy systems), false when it is a deterioration (e.g. critical_count), null when neutral (e.g. total_systems) or not numeric.';
comment on column bi.pmp_summary_trend.value is 'Numeric value (counts; epoch milliseconds for epoch_ms); null for boolean and text metrics.';
comment on column bi.pmp_summary_trend.value_text is 'The value as text; epoch_ms metrics as an ISO 8601 UTC time.';
comment on column bi.pmp_summary_trend.baseline_day_7d is 'Snapshot day compared against for the 7-day change (between 7 and 10 days earlier); null when none.';
comment on column bi.pmp_summary_trend.change_7d is 'value minus the 7-day baseline (milliseconds for epoch_ms); null when not numeric or no baseline.';
comment on column bi.pmp_summary_trend.direction_7d is 'up, down or unchanged for numbers; changed or unchanged for booleans and text; null without a baseline.';
comment on column bi.pmp_summary_trend.baseline_day_30d is 'Snapshot day compared against for the 30-day change (between 30 and 33 days earlier); null when none.';
comment on column bi.pmp_summary_trend.change_30d is 'value minus the 30-day baseline; null when not numeric or no baseline.';
comment on column bi.pmp_summary_trend.direction_30d is 'up, down or unchanged (changed or unchanged for booleans and text); null without a baseline.';
comment on column bi.pmp_summary_trend.baseline_day_90d is 'Snapshot day compared against for the 90-day change (between 90 and 93 days earlier); null when none.';
comment on column bi.pmp_summary_trend.change_90d is 'value minus the 90-day baseline; null when not numeric or no baseline.';
comment on column bi.pmp_summary_trend.direction_90d is 'up, down or unchanged (changed or unchanged for booleans and text); null without a baseline.';
comment on column bi.pmp_summary_trend.severity_sum_difference is 'The snapshot''s missing_patches minus the sum of its severity counts (recorded, not rejected).';
comment on column bi.pmp_summary_trend.snapshot_notes is 'Validation notes recorded for the snapshot (consistency checks that did not reject it).';

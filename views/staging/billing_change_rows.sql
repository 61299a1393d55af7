-- one row per comparison × month × device (× side, for moves) whose billable seat changed: for ended months
-- since the previous month-end, computed from the month-end rows as they are now (bi.billing_changes reads
-- it for open months; a closed month's rows were frozen from it at close, in rollup.closed_month_changes),
-- and for the month in progress since the last month-end (bi.billing_changes_month_to_date)
-- depends: staging.seat_transitions
create view staging.billing_change_rows as
-- Each branch names the transition's columns (no t.*): a union matches columns by position.
with changes as (
    select
        t.comparison,
        t.compared_month_end_day,
        t.snapshot_day,
        t.month,
        t.source_instance_id,
        t.device_id,
        t.vendor_id,
        t.hostname,
        t.display_name,
        t.previous_site_id,
        t.previous_class,
        t.previous_status,
        t.current_site_id,
        t.current_class,
        t.current_status,
        t.is_stale,
        t.last_contact_at,
        'added'::text as change, t.current_site_id as site_id, 1 as seat_delta,
        case
            when not t.has_previous and t.comparison = 'month_to_date' then 'no month-end yet: counted from zero'
            when not t.has_previous then 'no previous month-end (first month, or the month before has none): counted from zero'
            when t.previous_status is null then 'new device'
            else 'became billable (was ' || t.previous_reason || ')'
        end as detail
    from staging.seat_transitions as t where t.is_billable and not t.was_billable
    union all
    select
        t.comparison,
        t.compared_month_end_day,
        t.snapshot_day,
        t.month,
        t.source_instance_id,
        t.device_id,
        t.vendor_id,
        t.hostname,
        t.display_name,
        t.previous_site_id,
        t.previous_class,
        t.previous_status,
        t.current_site_id,
        t.current_class,
        t.current_status,
        t.is_stale,
        t.last_contact_at,
        'removed', t.previous_site_id, -1,
        case when t.current_status is null then 'no longer listed by the vendor' else 'no longer billable: ' || t.current_reason end
    from staging.seat_transitions as t where t.was_billable and not t.is_billable
    union all
    select
        t.comparison,
        t.compared_month_end_day,
        t.snapshot_day,
        t.month,
        t.source_instance_id,
        t.device_id,
        t.vendor_id,
        t.hostname,
        t.display_name,
        t.previous_site_id,
        t.previous_class,
        t.previous_status,
        t.current_site_id,
        t.current_class,
        t.current_status,
        t.is_stale,
        t.last_contact_at,
        'moved_out', t.previous_site_id, -1, 'moved to another site'
    from staging.seat_transitions as t where t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id
    union all
    select
        t.comparison,
        t.compared_month_end_day,
        t.snapshot_day,
        t.month,
        t.source_instance_id,
        t.device_id,
        t.vendor_id,
        t.hostname,
        t.display_name,
        t.previous_site_id,
        t.previous_class,
        t.previous_status,
        t.current_site_id,
        t.current_class,
        t.current_status,
        t.is_stale,
        t.last_contact_at,
        'moved_in', t.current_site_id, 1, 'moved from another site'
    from staging.seat_transitions as t where t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id
    union all
    select
        t.comparison,
        t.compared_month_end_day,
        t.snapshot_day,
        t.month,
        t.source_instance_id,
        t.device_id,
        t.vendor_id,
        t.hostname,
        t.display_name,
        t.previous_site_id,
        t.previous_class,
        t.previous_status,
        t.current_site_id,
        t.current_class,
        t.current_status,
        t.is_stale,
        t.last_contact_at,
        'reclassified', t.current_site_id, 0, t.previous_class || ' -> ' || t.current_class
    from staging.seat_transitions as t
    where t.was_billable and t.is_billable and t.previous_site_id = t.current_site_id and t.previous_class <> t.current_class
)
select
    c.comparison,
    c.month,
    c.source_instance_id,
    c.device_id,
    c.site_id,
    c.change,
    c.vendor_id,
    c.hostname,
    c.display_name,
    c.seat_delta,
    c.detail,
    c.previous_site_id,
    c.previous_class,
    c.previous_status,
    c.current_site_id,
    c.current_class,
    c.current_status,
    c.is_stale,
    c.last_contact_at,
    c.compared_month_end_day,
    c.snapshot_day
from changes as c;

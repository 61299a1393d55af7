-- one row per comparison × month × device (× side, for moves) whose billable seat changed: for ended months
-- since the previous month-end, computed from the month-end rows as they are now (bi.billing_changes reads
-- it for open months; a closed month's rows were frozen from it at close, in rollup.closed_month_changes),
-- and for the month in progress since the last month-end (bi.billing_changes_month_to_date)
-- depends: staging.seat_transitions
--
-- One pass over the pairing: each transition with a change gives its change rows through a lateral list
-- of the five kinds, each with the condition under which it applies. (A union of five selects from
-- staging.seat_transitions computed the pairing five times over: a view is expanded once per reference.)
create view staging.billing_change_rows as
select
    t.comparison,
    t.month,
    t.source_instance_id,
    t.device_id,
    c.site_id,
    c.change,
    t.vendor_id,
    t.hostname,
    t.display_name,
    c.seat_delta,
    c.detail,
    t.previous_site_id,
    t.previous_class,
    t.previous_status,
    t.current_site_id,
    t.current_class,
    t.current_status,
    t.is_stale,
    t.last_contact_at,
    t.compared_month_end_day,
    t.snapshot_day
from staging.seat_transitions as t
cross join lateral (
    values
    (
        t.is_billable and not t.was_billable,
        'added'::text, t.current_site_id, 1,
        case
            when not t.has_previous and t.comparison = 'month_to_date' then 'no month-end yet: counted from zero'
            when not t.has_previous then 'no previous month-end (first month, or the month before has none): counted from zero'
            when t.previous_status is null then 'new device'
            else 'became billable (was ' || t.previous_reason || ')'
        end
    ),
    (
        t.was_billable and not t.is_billable,
        'removed', t.previous_site_id, -1,
        case when t.current_status is null then 'no longer listed by the vendor' else 'no longer billable: ' || t.current_reason end
    ),
    (
        t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id,
        'moved_out', t.previous_site_id, -1, 'moved to another site'
    ),
    (
        t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id,
        'moved_in', t.current_site_id, 1, 'moved from another site'
    ),
    (
        t.was_billable and t.is_billable and t.previous_site_id = t.current_site_id and t.previous_class <> t.current_class,
        'reclassified', t.current_site_id, 0, t.previous_class || ' -> ' || t.current_class
    )
) as c (applies, change, site_id, seat_delta, detail)
-- the transitions with a change at all, first (a filter on the pairing's own columns, which PostgreSQL
-- applies to its groups, so the list is built only for those)
where (t.was_billable <> t.is_billable or (t.was_billable and (t.previous_site_id <> t.current_site_id or t.previous_class <> t.current_class)))
    and c.applies;

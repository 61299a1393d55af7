-- one row per comparison × month × source instance × device: the two states whose billable seats
-- staging.billing_change_rows classifies, for ended months (each month-end against the one before) and
-- for the month in progress (the latest snapshot against the last month-end). One classification serves
-- both, so bi.billing_changes and bi.billing_changes_month_to_date can never read a change differently.
-- depends: staging.month_end_transitions
-- depends: staging.month_to_date_transitions
create view staging.seat_transitions as
select
    'month_end'::text as comparison,
    t.month,
    t.source_instance_id,
    t.device_id,
    t.vendor_id,
    t.hostname,
    t.display_name,
    t.has_previous,
    t.previous_site_id,
    t.previous_class,
    t.previous_status,
    t.previous_reason,
    t.current_site_id,
    t.current_class,
    t.current_status,
    t.current_reason,
    t.is_stale,
    t.last_contact_at,
    t.was_billable,
    t.is_billable,
    null::date as compared_month_end_day,
    null::date as snapshot_day
from staging.month_end_transitions as t
union all
select
    'month_to_date'::text as comparison,
    t.month,
    t.source_instance_id,
    t.device_id,
    t.vendor_id,
    t.hostname,
    t.display_name,
    t.has_previous,
    t.previous_site_id,
    t.previous_class,
    t.previous_status,
    t.previous_reason,
    t.current_site_id,
    t.current_class,
    t.current_status,
    t.current_reason,
    t.is_stale,
    t.last_contact_at,
    t.was_billable,
    t.is_billable,
    t.compared_month_end_day,
    t.snapshot_day
from staging.month_to_date_transitions as t;

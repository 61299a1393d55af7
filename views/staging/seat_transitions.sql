-- one row per comparison × month × source instance × device: the two states whose billable seats
-- staging.billing_change_rows classifies, for ended months (each month-end against the one before) and
-- for the month in progress (the latest snapshot against the last month-end). One classification serves
-- both, so bi.billing_changes and bi.billing_changes_month_to_date can never read a change differently.
-- depends: staging.device_states
--
-- The pairing of the sides of staging.device_states, written once for both comparisons: grouped by the
-- pair's key rather than a full join of the two sides, so that a filter on the comparison or the month
-- (bi.billing_changes, the billing close) reaches the union's branches and only that comparison is
-- computed. A device listed on one side only pairs with no state (null) on the other.
create view staging.seat_transitions as
select
    s.comparison,
    s.month,
    s.source_instance_id,
    s.device_id,
    -- names as listed on the current side, else on the previous one
    coalesce(max(s.vendor_id) filter (where s.side = 'current'), max(s.vendor_id) filter (where s.side = 'previous')) as vendor_id,
    coalesce(max(s.hostname) filter (where s.side = 'current'), max(s.hostname) filter (where s.side = 'previous')) as hostname,
    coalesce(max(s.display_name) filter (where s.side = 'current'), max(s.display_name) filter (where s.side = 'previous')) as display_name,
    bool_or(s.has_previous) as has_previous,
    max(s.site_id) filter (where s.side = 'previous') as previous_site_id,
    max(s.device_class) filter (where s.side = 'previous') as previous_class,
    max(s.billing_status) filter (where s.side = 'previous') as previous_status,
    max(s.reason) filter (where s.side = 'previous') as previous_reason,
    max(s.site_id) filter (where s.side = 'current') as current_site_id,
    max(s.device_class) filter (where s.side = 'current') as current_class,
    max(s.billing_status) filter (where s.side = 'current') as current_status,
    max(s.reason) filter (where s.side = 'current') as current_reason,
    coalesce(bool_or(s.is_stale) filter (where s.side = 'current'), false) as is_stale,
    coalesce(max(s.last_contact_at) filter (where s.side = 'current'), max(s.last_contact_at) filter (where s.side = 'previous')) as last_contact_at,
    coalesce(bool_or(s.billing_status = 'billable') filter (where s.side = 'previous'), false) as was_billable,
    coalesce(bool_or(s.billing_status = 'billable') filter (where s.side = 'current'), false) as is_billable,
    max(s.compared_month_end_day) as compared_month_end_day,
    max(s.snapshot_day) as snapshot_day
from staging.device_states as s
group by s.comparison, s.month, s.source_instance_id, s.device_id;

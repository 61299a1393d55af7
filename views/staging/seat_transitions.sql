-- one row per comparison × month × source instance × device: the two states whose billable seats
-- staging.billing_change_rows classifies, for ended months (each month-end against the one before) and
-- for the month in progress (the latest snapshot against the last month-end). One classification serves
-- both, so bi.billing_changes and bi.billing_changes_month_to_date can never read a change differently.
-- depends: staging.device_states
--
-- The pairing of the sides of staging.device_states, one branch per comparison, so that a filter on the
-- comparison reaches them and only that comparison is computed. Ended months are grouped by the pair's
-- key, so that a filter on the month too (bi.billing_changes, the billing close) reaches device_states'
-- branches. The month in progress is one month per source and read whole (bi.billing_changes_month_to_date):
-- a full join of its two sides by device hashes one side and reads the other once, where a grouping
-- sorted both (on disk: 118,000 rows at 20,000 devices per source). The gate refuses a vendor id listed
-- twice in a snapshot, so each side has at most one state per device, and both forms pair the same rows.
-- A device listed on one side only pairs with no state (null) on the other.
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
where s.comparison = 'month_end'
group by s.comparison, s.month, s.source_instance_id, s.device_id
union all
select
    'month_to_date'::text as comparison,
    coalesce(c.month, p.month) as month,
    coalesce(c.source_instance_id, p.source_instance_id) as source_instance_id,
    coalesce(c.device_id, p.device_id) as device_id,
    coalesce(c.vendor_id, p.vendor_id) as vendor_id,
    coalesce(c.hostname, p.hostname) as hostname,
    coalesce(c.display_name, p.display_name) as display_name,
    coalesce(c.has_previous, p.has_previous) as has_previous,
    p.site_id as previous_site_id,
    p.device_class as previous_class,
    p.billing_status as previous_status,
    p.reason as previous_reason,
    c.site_id as current_site_id,
    c.device_class as current_class,
    c.billing_status as current_status,
    c.reason as current_reason,
    coalesce(c.is_stale, false) as is_stale,
    coalesce(c.last_contact_at, p.last_contact_at) as last_contact_at,
    coalesce(p.billing_status = 'billable', false) as was_billable,
    coalesce(c.billing_status = 'billable', false) as is_billable,
    coalesce(c.compared_month_end_day, p.compared_month_end_day) as compared_month_end_day,
    coalesce(c.snapshot_day, p.snapshot_day) as snapshot_day
from (
    select
        ds.month,
        ds.source_instance_id,
        ds.device_id,
        ds.vendor_id,
        ds.hostname,
        ds.display_name,
        ds.has_previous,
        ds.site_id,
        ds.device_class,
        ds.billing_status,
        ds.reason,
        ds.is_stale,
        ds.last_contact_at,
        ds.compared_month_end_day,
        ds.snapshot_day
    from staging.device_states as ds
    where ds.comparison = 'month_to_date' and ds.side = 'current'
) as c
full join (
    select
        ds.month,
        ds.source_instance_id,
        ds.device_id,
        ds.vendor_id,
        ds.hostname,
        ds.display_name,
        ds.has_previous,
        ds.site_id,
        ds.device_class,
        ds.billing_status,
        ds.reason,
        ds.last_contact_at,
        ds.compared_month_end_day,
        ds.snapshot_day
    from staging.device_states as ds
    where ds.comparison = 'month_to_date' and ds.side = 'previous'
) as p on p.month = c.month and p.source_instance_id = c.source_instance_id and p.device_id = c.device_id;

-- one row per comparison × month × source instance × device: the two states whose billable seats
-- staging.billing_change_rows classifies, for ended months (each month-end against the one before) and
-- for the month in progress (the latest snapshot against the last month-end). One classification serves
-- both, so bi.billing_changes and bi.billing_changes_month_to_date can never read a change differently.
-- depends: staging.device_states
--
-- Each comparison pairs its two sides by a full join on the device, which hashes one side and reads the
-- other once; a device listed on one side only pairs with no state (null) on the other. The gate refuses
-- a vendor id listed twice in a snapshot, so each side has at most one state per device.
-- Ended months: the month-end rows of each month (current) and of the month before (previous), the
-- month-ends of a month (one per source instance) paired in one lateral step per month, so that a
-- filter on the month (bi.billing_changes' text month, the billing close's date) selects the months
-- first and each step reads only its two months' partitions (pruned at run time by the month). The
-- sides hold the rows of staging.device_states' two month_end sides: the month's rows and the month
-- before's, of the source instances with a month-end in the month (joined after the pairing: both
-- sides of a pair are of one instance). Grouping the union of those sides by device instead sorted
-- both whole, and a filter on the text month could not reach the partitions (at 20,000 devices per
-- source: 116,000 rows sorted on disk and every month's partition read twice for one month's changes;
-- bi.billing_changes for one month 1.4-1.8 s -> 0.5-0.7 s, the whole view 5.0-5.4 s -> 2.1-3.0 s,
-- EXPLAIN ANALYZE at load 9-10 on 2 cores).
-- The month in progress is one month per source and read whole (bi.billing_changes_month_to_date).
create view staging.seat_transitions as
with months as (
    select
        me.month,
        me.source_instance_id,
        exists (
            select 1 from rollup.month_ends as prev
            where prev.source_instance_id = me.source_instance_id and prev.month = (me.month - interval '1 month')::date
        ) as has_previous
    from rollup.month_ends as me
)

select
    'month_end'::text as comparison,
    e.month,
    t.source_instance_id,
    t.device_id,
    t.vendor_id,
    t.hostname,
    t.display_name,
    m.has_previous,
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
from (select distinct m.month from months as m) as e
cross join lateral (
    select
        coalesce(c.source_instance_id, p.source_instance_id) as source_instance_id,
        coalesce(c.device_id, p.device_id) as device_id,
        -- names as listed on the current side, else on the previous one
        coalesce(c.vendor_id, p.vendor_id) as vendor_id,
        coalesce(c.hostname, p.hostname) as hostname,
        coalesce(c.display_name, p.display_name) as display_name,
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
        coalesce(c.billing_status = 'billable', false) as is_billable
    from (
        -- current: the month's month-end rows
        select
            med.source_instance_id,
            med.device_id,
            med.vendor_id,
            med.hostname,
            med.display_name,
            med.site_id,
            med.device_class,
            med.billing_status,
            med.reason,
            med.is_stale,
            med.last_contact_at
        from rollup.month_end_devices as med
        where med.month = e.month
    ) as c
    full join (
        -- previous: the month-end rows of the month before (the range names its partition: a day plus
        -- a month is the month's first day only from the first day of the month before)
        select
            med.source_instance_id,
            med.device_id,
            med.vendor_id,
            med.hostname,
            med.display_name,
            med.site_id,
            med.device_class,
            med.billing_status,
            med.reason,
            med.last_contact_at
        from rollup.month_end_devices as med
        where (med.month + interval '1 month')::date = e.month
            and med.month >= (e.month - interval '1 month')::date
            and med.month < e.month
    ) as p on p.source_instance_id = c.source_instance_id and p.device_id = c.device_id
) as t
-- both sides of a pair are of one source instance: its month-end of the month (the sides' joins in
-- staging.device_states), after the pairing
inner join months as m on m.month = e.month and m.source_instance_id = t.source_instance_id
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

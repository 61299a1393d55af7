-- one row per month × source instance × device present at this or the previous month-end: both states
-- side by side. Every month with a month-end is compared, the first one and one after a gap included: a
-- missing previous month-end counts as no devices, so previous + Σ seat_delta = billable always holds.
create view staging.month_end_transitions as
with months as (
    select
        me.month,
        me.source_instance_id,
        exists (
            select 1 from rollup.month_ends as prev
            where prev.source_instance_id = me.source_instance_id and prev.month = (me.month - interval '1 month')::date
        ) as has_previous
    from rollup.month_ends as me
),
cur as (
    select med.* from rollup.month_end_devices as med
    inner join months as m on m.month = med.month and m.source_instance_id = med.source_instance_id
),
prev as (
    select med.*, (med.month + interval '1 month')::date as next_month from rollup.month_end_devices as med
    inner join months as m on m.month = (med.month + interval '1 month')::date and m.source_instance_id = med.source_instance_id
)
select
    coalesce(cur.month, prev.next_month) as month,
    coalesce(cur.source_instance_id, prev.source_instance_id) as source_instance_id,
    coalesce(cur.device_id, prev.device_id) as device_id,
    coalesce(cur.vendor_id, prev.vendor_id) as vendor_id,
    coalesce(cur.hostname, prev.hostname) as hostname,
    coalesce(cur.display_name, prev.display_name) as display_name,
    m.has_previous,
    prev.site_id as previous_site_id,
    prev.device_class as previous_class,
    prev.billing_status as previous_status,
    prev.reason as previous_reason,
    cur.site_id as current_site_id,
    cur.device_class as current_class,
    cur.billing_status as current_status,
    cur.reason as current_reason,
    coalesce(cur.is_stale, false) as is_stale,
    coalesce(cur.last_contact_at, prev.last_contact_at) as last_contact_at,
    coalesce(prev.billing_status = 'billable', false) as was_billable,
    coalesce(cur.billing_status = 'billable', false) as is_billable
from cur
full outer join prev
    on prev.next_month = cur.month
    and prev.source_instance_id = cur.source_instance_id
    and prev.device_id = cur.device_id
inner join months as m
    on m.month = coalesce(cur.month, prev.next_month) and m.source_instance_id = coalesce(cur.source_instance_id, prev.source_instance_id);

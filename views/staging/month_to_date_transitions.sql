-- one row per source instance × device present at its last month-end or at its latest published snapshot:
-- both states side by side, the columns of staging.month_end_transitions (plus the two days compared)
-- depends: staging.source_days_latest
-- depends: staging.device_days_billing
--
-- The month-end side is the month-end rows as they stand (frozen once the month is closed: what was
-- invoiced); the today side is judged by the current billing policy. A source without a month-end yet
-- counts from zero (has_previous false). A source no longer collected, whose last snapshot retention has
-- dropped, keeps its last month-end and has no today side: its devices are no longer billable today.
create view staging.month_to_date_transitions as
with last_month_end as (
    select distinct on (me.source_instance_id)
        me.source_instance_id,
        me.month,
        me.month_end_day
    from rollup.month_ends as me
    order by me.source_instance_id, me.month desc
),
cur as (
    select
        b.source_instance_id,
        b.device_id,
        b.vendor_id,
        b.hostname,
        b.display_name,
        b.site_id,
        b.device_class,
        b.billing_status,
        b.billing_reason as reason,
        b.is_stale,
        b.last_contact_at
    from staging.device_days_billing as b
    inner join staging.source_days_latest as l on l.source_instance_id = b.source_instance_id and l.snapshot_day = b.snapshot_day
),
prev as (
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
    inner join last_month_end as lme on lme.source_instance_id = med.source_instance_id and lme.month = med.month
),
pairs as (
    select
        coalesce(cur.source_instance_id, prev.source_instance_id) as source_instance_id,
        coalesce(cur.device_id, prev.device_id) as device_id,
        coalesce(cur.vendor_id, prev.vendor_id) as vendor_id,
        coalesce(cur.hostname, prev.hostname) as hostname,
        coalesce(cur.display_name, prev.display_name) as display_name,
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
    full outer join prev on prev.source_instance_id = cur.source_instance_id and prev.device_id = cur.device_id
)
select
    date_trunc('month', l.snapshot_day)::date as month,
    p.source_instance_id,
    p.device_id,
    p.vendor_id,
    p.hostname,
    p.display_name,
    lme.source_instance_id is not null as has_previous,
    p.previous_site_id,
    p.previous_class,
    p.previous_status,
    p.previous_reason,
    p.current_site_id,
    p.current_class,
    p.current_status,
    p.current_reason,
    p.is_stale,
    p.last_contact_at,
    p.was_billable,
    p.is_billable,
    lme.month_end_day as compared_month_end_day,
    l.snapshot_day
from pairs as p
left join staging.source_days_latest as l on l.source_instance_id = p.source_instance_id
left join last_month_end as lme on lme.source_instance_id = p.source_instance_id;

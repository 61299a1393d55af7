-- one row per comparison × month × source instance × device × side: a device's state on one side of a
-- comparison of billable seats, which staging.seat_transitions pairs (previous against current)
-- depends: staging.source_days_latest
-- depends: staging.month_ends_latest
-- depends: staging.device_days_latest
--
-- Two comparisons. month_end: each month-end (current) against the month-end before (previous), for
-- every month with a month-end, the first one and one after a gap included: a missing previous month-end
-- counts as no devices, so previous + Σ seat_delta = billable always holds. month_to_date: each source's
-- latest published snapshot (current, judged by the current billing policy) against its last month-end
-- (previous, the month-end rows as they stand: frozen once the month is closed, what was invoiced). A
-- source without a month-end yet counts from zero (has_previous false). A source no longer collected,
-- whose last snapshot retention has dropped, keeps its last month-end and has no current side (nor a
-- month or snapshot_day): its devices are no longer billable today.
-- has_previous, compared_month_end_day and snapshot_day belong to the comparison's month and source
-- instance: both sides carry them.
create view staging.device_states as
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

-- Four branches rather than one projection over a union of their row sources: each joins the
-- month-end rows on its own month key, which is what lets a query of one month read only that
-- month's partitions (and a query of one comparison skip the other's branches entirely).
-- month_end, current: the month's month-end rows
select
    'month_end'::text as comparison,
    'current'::text as side,
    m.month,
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
    med.last_contact_at,
    m.has_previous,
    null::date as compared_month_end_day,
    null::date as snapshot_day
from rollup.month_end_devices as med
inner join months as m on m.month = med.month and m.source_instance_id = med.source_instance_id
union all
-- month_end, previous: the month-end rows of the month before
select
    'month_end'::text as comparison,
    'previous'::text as side,
    m.month,
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
    med.last_contact_at,
    m.has_previous,
    null::date as compared_month_end_day,
    null::date as snapshot_day
from rollup.month_end_devices as med
inner join months as m on m.month = (med.month + interval '1 month')::date and m.source_instance_id = med.source_instance_id
union all
-- month_to_date, current: the latest published snapshot
select
    'month_to_date'::text as comparison,
    'current'::text as side,
    date_trunc('month', b.snapshot_day)::date as month,
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
    b.last_contact_at,
    lme.source_instance_id is not null as has_previous,
    lme.month_end_day as compared_month_end_day,
    b.snapshot_day
-- each source instance's latest day, read from those days' partitions alone
from staging.device_days_latest as b
left join staging.month_ends_latest as lme on lme.source_instance_id = b.source_instance_id
union all
-- month_to_date, previous: the last month-end's rows
select
    'month_to_date'::text as comparison,
    'previous'::text as side,
    date_trunc('month', l.snapshot_day)::date as month,
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
    med.last_contact_at,
    true as has_previous,
    lme.month_end_day as compared_month_end_day,
    l.snapshot_day
from rollup.month_end_devices as med
inner join staging.month_ends_latest as lme on lme.source_instance_id = med.source_instance_id and lme.month = med.month
left join staging.source_days_latest as l on l.source_instance_id = med.source_instance_id
-- likewise the month partitions: only those from the oldest of the last month-ends on
where med.month >= (select min(lm.month) from staging.month_ends_latest as lm);

-- one row per site × source: billable seats at the latest snapshot against the last month-end
-- grain: site_id, source, instance
-- depends: staging.device_days_latest
-- depends: staging.month_ends_latest
-- depends: staging.month_end_site_counts
create view bi.billing_today_vs_last_month_end as
with today as (
    select
        b.site_id,
        b.source_instance_id,
        b.snapshot_day,
        count(*) filter (where b.billing_status = 'billable') as billable,
        count(*) filter (where b.billing_status = 'spare') as spares,
        count(*) as total
    -- each source instance's latest day, read from those days' partitions alone
    from staging.device_days_latest as b
    group by b.site_id, b.source_instance_id, b.snapshot_day
),
month_end as (
    select
        c.site_id,
        c.source_instance_id,
        lme.month,
        lme.month_end_day,
        c.billable,
        c.spares
    from staging.month_end_site_counts as c
    inner join staging.month_ends_latest as lme on lme.source_instance_id = c.source_instance_id and lme.month = c.month
),
pairs as (
    select
        today.site_id,
        today.source_instance_id
    from today
    union
    select
        month_end.site_id,
        month_end.source_instance_id
    from month_end
)
select
    p.site_id,
    s.name as site,
    si.source,
    si.instance,
    t.snapshot_day as today_day,
    coalesce(t.billable, 0)::int as billable_today,
    coalesce(t.spares, 0)::int as spares_today,
    lme.month_end_day as last_month_end_day,
    coalesce(m.billable, 0)::int as billable_last_month_end,
    (coalesce(t.billable, 0) - coalesce(m.billable, 0))::int as change
from pairs as p
inner join core.sites as s on s.site_id = p.site_id
inner join ops.source_instances as si on si.source_instance_id = p.source_instance_id
left join today as t on t.site_id = p.site_id and t.source_instance_id = p.source_instance_id
left join month_end as m on m.site_id = p.site_id and m.source_instance_id = p.source_instance_id
left join staging.month_ends_latest as lme on lme.source_instance_id = p.source_instance_id;

comment on view bi.billing_today_vs_last_month_end is 'One row per site × source: billable seats at the latest published snapshot against the last materialised month-end, for a look at this month before it ends.';
comment on column bi.billing_today_vs_last_month_end.site_id is 'Canonical site id.';
comment on column bi.billing_today_vs_last_month_end.site is 'Site name.';
comment on column bi.billing_today_vs_last_month_end.source is 'Vendor.';
comment on column bi.billing_today_vs_last_month_end.instance is 'Source instance.';
comment on column bi.billing_today_vs_last_month_end.today_day is 'The latest published snapshot day of the source.';
comment on column bi.billing_today_vs_last_month_end.billable_today is 'Billable seats at the latest snapshot.';
comment on column bi.billing_today_vs_last_month_end.spares_today is 'Spares at the latest snapshot.';
comment on column bi.billing_today_vs_last_month_end.last_month_end_day is 'The snapshot day of the last materialised month-end.';
comment on column bi.billing_today_vs_last_month_end.billable_last_month_end is 'Billable seats at that month-end.';
comment on column bi.billing_today_vs_last_month_end.change is 'billable_today minus billable_last_month_end.';

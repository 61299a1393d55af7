-- one row per month × source instance × device at the month-end snapshot: the device list behind bi.billing_monthly, with why each device was or was not billed
create view staging.billing_month_devices as
with month_end_devices as (
    select
        med.month,
        med.site_id,
        med.source_instance_id,
        med.device_id,
        med.month_end_day,
        med.vendor_id,
        med.display_name,
        med.hostname,
        med.device_class,
        med.billing_status,
        med.reason,
        med.spare_rule_id
    from rollup.month_end_devices as med
),

month_ends as (
    select
        me.month,
        me.source_instance_id,
        me.is_exact
    from rollup.month_ends as me
)

select
    -- ids
    to_char(d.month, 'YYYY-MM') as month,
    d.month as month_start,
    d.site_id,
    d.source_instance_id,
    d.device_id,
    -- attributes
    s.name as site,
    si.source,
    si.instance,
    d.vendor_id,
    d.hostname,
    d.display_name,
    d.device_class,
    d.billing_status,
    d.reason,
    d.spare_rule_id,
    r.description as spare_rule,
    -- dates
    d.month_end_day,
    coalesce(me.is_exact, false) as is_exact,
    (bm.month is not null) as is_closed
from month_end_devices as d
inner join core.sites as s on s.site_id = d.site_id
inner join ops.source_instances as si on si.source_instance_id = d.source_instance_id
left join month_ends as me on me.month = d.month and me.source_instance_id = d.source_instance_id
left join core.spare_rules as r on r.rule_id = d.spare_rule_id
left join ops.billing_months as bm on bm.month = d.month;

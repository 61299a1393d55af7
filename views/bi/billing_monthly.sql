-- one row per month × site × source: billable seats at the month-end, against the previous month-end
-- depends: staging.month_end_site_counts
create view bi.billing_monthly as
with site_months as (
    -- every site and source instance in the month or the month before, so a site that lost all its devices shows 0
    select me.month, c.site_id, c.source_instance_id
    from rollup.month_ends as me
    inner join staging.month_end_site_counts as c
        on c.source_instance_id = me.source_instance_id
        and (c.month = me.month or c.month = (me.month - interval '1 month')::date)
    group by me.month, c.site_id, c.source_instance_id
)
select
    to_char(sm.month, 'YYYY-MM') as month,
    sm.month as month_start,
    sm.site_id,
    s.name as site,
    si.source,
    si.instance,
    coalesce(cur.workstations, 0)::int as workstations,
    coalesce(cur.servers, 0)::int as servers,
    coalesce(cur.spares, 0)::int as spares,
    coalesce(cur.billable, 0)::int as billable,
    coalesce(cur.total, 0)::int as total,
    prev.billable::int as previous_billable,
    (coalesce(cur.billable, 0) - coalesce(prev.billable, 0))::int as change,
    me.month_end_day,
    me.is_exact,
    (bm.month is not null) as is_closed
from site_months as sm
inner join rollup.month_ends as me on me.month = sm.month and me.source_instance_id = sm.source_instance_id
inner join core.sites as s on s.site_id = sm.site_id
inner join ops.source_instances as si on si.source_instance_id = sm.source_instance_id
left join staging.month_end_site_counts as cur
    on cur.month = sm.month and cur.site_id = sm.site_id and cur.source_instance_id = sm.source_instance_id
left join staging.month_end_site_counts as prev
    on prev.month = (sm.month - interval '1 month')::date and prev.site_id = sm.site_id and prev.source_instance_id = sm.source_instance_id
left join ops.billing_months as bm on bm.month = sm.month;

comment on view bi.billing_monthly is 'One row per month × site × source: billable seats (workstations, servers), spares and total devices at the month-end snapshot, the previous month-end''s billable seats and the change; which day stood for the month-end, whether it was the calendar''s last day, and whether the month is closed (invoiced).';
comment on column bi.billing_monthly.month is 'Billing month, YYYY-MM.';
comment on column bi.billing_monthly.month_start is 'First day of the billing month (for date filters in BI tools).';
comment on column bi.billing_monthly.site_id is 'Canonical site id.';
comment on column bi.billing_monthly.site is 'Canonical site (client) name.';
comment on column bi.billing_monthly.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.billing_monthly.instance is 'Source instance.';
comment on column bi.billing_monthly.workstations is 'Billable workstations at the month-end.';
comment on column bi.billing_monthly.servers is 'Billable servers at the month-end.';
comment on column bi.billing_monthly.spares is 'Devices excluded as spare at the month-end (see bi.billing_changes and the month-end rows for the rule).';
comment on column bi.billing_monthly.billable is 'Billable seats: workstations + servers.';
comment on column bi.billing_monthly.total is 'All devices at the month-end, billed or not.';
comment on column bi.billing_monthly.previous_billable is 'Billable seats at the previous month-end (null when that month has no month-end for this site and source).';
comment on column bi.billing_monthly.change is 'billable minus previous_billable (previous counted as 0 when absent).';
comment on column bi.billing_monthly.month_end_day is 'The snapshot day that stood for the month''s end: the last day of the month with a complete published snapshot.';
comment on column bi.billing_monthly.is_exact is 'True when month_end_day is the calendar''s last day of the month.';
comment on column bi.billing_monthly.is_closed is 'True when `warehouse billing close` froze the month (invoiced).';

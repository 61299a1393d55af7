-- one row per month × site × source: billable seats at the month-end, against the previous month-end
-- grain: month, site_id, source, instance
-- Reads rollup.month_end_sites (derived with each month-end, a site that lost all its devices included
-- as zeros) through plain joins, so a filter on month_start or site reaches that table's indexes.
-- What belongs to a month × source (its text month, month-end day, closed or not, the run's lateness)
-- is worked out once per month-end in a materialised CTE (a few rows per month: 24 months × the
-- sources), not once per site row: the six-table join per row, with month_ends, billing_months and
-- sync_runs estimated from no statistics, cost about half as much again as reading the rows from a
-- table (bench B5, all 24 months, issue 23).
create view bi.billing_monthly as
with month_facts as materialized (
    select
        me.month,
        me.source_instance_id,
        to_char(me.month, 'YYYY-MM') as month_text,
        si.source,
        si.instance,
        me.month_end_day,
        me.is_exact,
        (bm.month is not null) as is_closed,
        r.taken_late
    from rollup.month_ends as me
    inner join ops.source_instances as si on si.source_instance_id = me.source_instance_id
    left join ops.billing_months as bm on bm.month = me.month
    left join ops.sync_runs as r on r.run_id = me.run_id
)
select
    mf.month_text as month,
    ms.month as month_start,
    ms.site_id,
    s.name as site,
    mf.source,
    mf.instance,
    ms.workstations,
    ms.servers,
    ms.spares,
    ms.billable,
    ms.total,
    ms.previous_billable,
    ms.billable - coalesce(ms.previous_billable, 0) as change,
    mf.month_end_day,
    mf.is_exact,
    mf.is_closed,
    mf.taken_late,
    s.reference
from rollup.month_end_sites as ms
inner join month_facts as mf on mf.month = ms.month and mf.source_instance_id = ms.source_instance_id
inner join core.sites as s on s.site_id = ms.site_id;

comment on view bi.billing_monthly is 'One row per month × site × source: billable seats (workstations, servers), spares and total devices at the month-end snapshot, the previous month-end''s billable seats and the change; which day stood for the month-end, whether it was the calendar''s last day, whether the month is closed (invoiced), and whether the month-end day''s snapshot was taken late (after that day).';
comment on column bi.billing_monthly.month is 'Billing month, YYYY-MM.';
comment on column bi.billing_monthly.month_start is 'First day of the billing month (for date filters in BI tools).';
comment on column bi.billing_monthly.site_id is 'Canonical site id.';
comment on column bi.billing_monthly.site is 'Canonical site (client) name.';
comment on column bi.billing_monthly.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.billing_monthly.instance is 'Source instance.';
comment on column bi.billing_monthly.workstations is 'Billable workstations at the month-end.';
comment on column bi.billing_monthly.servers is 'Billable servers at the month-end.';
comment on column bi.billing_monthly.spares is 'Devices excluded as spare at the month-end (see bi.billing_changes and the month-end rows for the rule).';
comment on column bi.billing_monthly.billable is 'Billable seats: devices of a class the billing policy bills (core.settings.billed_classes; by default workstations + servers), not spare, at a site that is not internal.';
comment on column bi.billing_monthly.total is 'All devices at the month-end, billed or not.';
comment on column bi.billing_monthly.previous_billable is 'Billable seats at the previous month-end (null when that month has no month-end for this site and source).';
comment on column bi.billing_monthly.change is 'billable minus previous_billable (previous counted as 0 when absent).';
comment on column bi.billing_monthly.month_end_day is 'The snapshot day that stood for the month''s end: the last day of the month with a complete published snapshot.';
comment on column bi.billing_monthly.is_exact is 'True when month_end_day is the calendar''s last day of the month.';
comment on column bi.billing_monthly.is_closed is 'True when `warehouse billing close` froze the month (invoiced).';
comment on column bi.billing_monthly.taken_late is 'True when the snapshot that stood for the month-end was taken after month_end_day (a past day accepted with --accept-past-date: honest only for a replay of recorded vendor data); check before invoicing. Null when that run''s record has passed run-history retention.';
comment on column bi.billing_monthly.reference is 'The client''s code in the MSP''s own books (bi.sites.reference, as it is now), for matching an invoice; null until set.';

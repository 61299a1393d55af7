-- one row per source instance × device (× side, for moves) whose billable seat changed in the month in progress:
-- each source's latest published snapshot against its last month-end (bi.billing_changes covers ended months only)
-- depends: staging.source_days_latest
-- depends: staging.device_days_billing
--
-- The classification is bi.billing_changes' (staging.billing_change_rows), over a different pair of states,
-- so that per site and source: billable_last_month_end + Σ seat_delta = billable_today of
-- bi.billing_today_vs_last_month_end. The month-end side is the month-end rows as they stand (frozen once
-- the month is closed: what was invoiced); the today side is judged by the current billing policy.
-- A source no longer collected, whose last snapshot retention has dropped, still has a last month-end
-- (kept for months) and bi.billing_today_vs_last_month_end counts it as zero today: its month-end seats
-- are listed removed, with no month or snapshot_day, or the seat rule would fail for it.
create view bi.billing_changes_month_to_date as
with last_month_end as (
    select distinct on (me.source_instance_id) me.source_instance_id, me.month, me.month_end_day
    from rollup.month_ends as me
    order by me.source_instance_id, me.month desc
),
cur as (
    select b.source_instance_id, b.device_id, b.vendor_id, b.hostname, b.display_name, b.site_id, b.device_class,
        b.billing_status, b.billing_reason as reason, b.is_stale, b.last_contact_at
    from staging.device_days_billing as b
    inner join staging.source_days_latest as l on l.source_instance_id = b.source_instance_id and l.snapshot_day = b.snapshot_day
),
prev as (
    select med.source_instance_id, med.device_id, med.vendor_id, med.hostname, med.display_name, med.site_id, med.device_class,
        med.billing_status, med.reason, med.last_contact_at
    from rollup.month_end_devices as med
    inner join last_month_end as lme on lme.source_instance_id = med.source_instance_id and lme.month = med.month
),
transitions as (
    select
        coalesce(cur.source_instance_id, prev.source_instance_id) as source_instance_id,
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
),
changes as (
    select t.*, 'added'::text as change, t.current_site_id as site_id, 1 as seat_delta,
        case
            when t.previous_status is null then 'new device since the last month-end'
            else 'became billable (was ' || t.previous_reason || ')'
        end as detail
    from transitions as t where t.is_billable and not t.was_billable
    union all
    select t.*, 'removed', t.previous_site_id, -1,
        case when t.current_status is null then 'no longer listed by the vendor' else 'no longer billable: ' || t.current_reason end
    from transitions as t where t.was_billable and not t.is_billable
    union all
    select t.*, 'moved_out', t.previous_site_id, -1, 'moved to another site'
    from transitions as t where t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id
    union all
    select t.*, 'moved_in', t.current_site_id, 1, 'moved from another site'
    from transitions as t where t.was_billable and t.is_billable and t.previous_site_id <> t.current_site_id
    union all
    select t.*, 'reclassified', t.current_site_id, 0, t.previous_class || ' -> ' || t.current_class
    from transitions as t
    where t.was_billable and t.is_billable and t.previous_site_id = t.current_site_id and t.previous_class <> t.current_class
)
select
    to_char(l.snapshot_day, 'YYYY-MM') as month,
    c.site_id,
    s.name as site,
    s.reference,
    si.source,
    si.instance,
    c.vendor_id,
    c.hostname,
    c.display_name,
    c.change,
    c.seat_delta,
    case when l.source_instance_id is null then 'the source has no published snapshot left (not collected within the daily retention)' else c.detail end as detail,
    ps.name as previous_site,
    c.previous_class,
    c.previous_status,
    cs.name as current_site,
    c.current_class,
    c.current_status,
    c.is_stale,
    c.last_contact_at,
    lme.month_end_day as last_month_end_day,
    l.snapshot_day
from changes as c
left join staging.source_days_latest as l on l.source_instance_id = c.source_instance_id
inner join core.sites as s on s.site_id = c.site_id
inner join ops.source_instances as si on si.source_instance_id = c.source_instance_id
left join last_month_end as lme on lme.source_instance_id = c.source_instance_id
left join core.sites as ps on ps.site_id = c.previous_site_id
left join core.sites as cs on cs.site_id = c.current_site_id;

comment on view bi.billing_changes_month_to_date is 'One row per source instance × device whose billable seat changed since the last month-end, for the month in progress (a move gives two rows: moved_out at the old site, moved_in at the new): each source''s latest published snapshot against its last materialised month-end, classified as bi.billing_changes classifies ended months. Per site and source: billable_last_month_end + sum(seat_delta) = billable_today in bi.billing_today_vs_last_month_end. A source without a month-end yet counts from zero (every billable device added); one no longer collected, its last snapshot gone with retention, lists its month-end seats removed, with no month or snapshot_day.';
comment on column bi.billing_changes_month_to_date.month is 'The month in progress, YYYY-MM (that of snapshot_day); null for a source with no published snapshot left.';
comment on column bi.billing_changes_month_to_date.site_id is 'Site whose seat count the row changes.';
comment on column bi.billing_changes_month_to_date.site is 'Site name.';
comment on column bi.billing_changes_month_to_date.reference is 'The site''s client code in the MSP''s own books (bi.sites.reference); null until set.';
comment on column bi.billing_changes_month_to_date.source is 'Vendor.';
comment on column bi.billing_changes_month_to_date.instance is 'Source instance.';
comment on column bi.billing_changes_month_to_date.vendor_id is 'The vendor''s device id.';
comment on column bi.billing_changes_month_to_date.hostname is 'Host name (at the latest snapshot where listed, else at the month-end).';
comment on column bi.billing_changes_month_to_date.display_name is 'Display name (at the latest snapshot where listed, else at the month-end).';
comment on column bi.billing_changes_month_to_date.change is 'added, removed, moved_in, moved_out or reclassified (workstation <-> server, seat count unchanged).';
comment on column bi.billing_changes_month_to_date.seat_delta is '+1, -1 or 0: the change to the site''s billable seats.';
comment on column bi.billing_changes_month_to_date.detail is 'Why: new device, became spare (rule), no longer listed, moved, class change, the source no longer collected.';
comment on column bi.billing_changes_month_to_date.previous_site is 'Site at the last month-end.';
comment on column bi.billing_changes_month_to_date.previous_class is 'Device class at the last month-end.';
comment on column bi.billing_changes_month_to_date.previous_status is 'Billing status at the last month-end.';
comment on column bi.billing_changes_month_to_date.current_site is 'Site at the latest snapshot.';
comment on column bi.billing_changes_month_to_date.current_class is 'Device class at the latest snapshot.';
comment on column bi.billing_changes_month_to_date.current_status is 'Billing status at the latest snapshot (by the current billing policy).';
comment on column bi.billing_changes_month_to_date.is_stale is 'True when the device is billed at the latest snapshot but silent longer than the billing policy allows.';
comment on column bi.billing_changes_month_to_date.last_contact_at is 'The device''s last contact as of the latest snapshot where listed, else as of the month-end.';
comment on column bi.billing_changes_month_to_date.last_month_end_day is 'The snapshot day of the last materialised month-end compared against (null when the source has none yet).';
comment on column bi.billing_changes_month_to_date.snapshot_day is 'The source''s latest published snapshot day (the "today" side); null when retention has dropped its last one.';

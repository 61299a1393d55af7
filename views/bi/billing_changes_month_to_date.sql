-- one row per source instance × device (× side, for moves) whose billable seat changed in the month in progress:
-- each source's latest published snapshot against its last month-end (bi.billing_changes covers ended months only)
-- grain: source, instance, vendor_id, change
-- depends: staging.billing_change_rows
--
-- The classification is bi.billing_changes' own (staging.billing_change_rows over staging.seat_transitions),
-- so that per site and source: billable_last_month_end + Σ seat_delta = billable_today of
-- bi.billing_today_vs_last_month_end. The month-end side is the month-end rows as they stand (frozen once
-- the month is closed: what was invoiced); the today side is judged by the current billing policy.
-- A source no longer collected, whose last snapshot retention has dropped, still has a last month-end
-- (kept for months) and bi.billing_today_vs_last_month_end counts it as zero today: its month-end seats
-- are listed removed, with no month or snapshot_day, or the seat rule would fail for it.
create view bi.billing_changes_month_to_date as
select
    to_char(c.month, 'YYYY-MM') as month,
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
    case
        when c.snapshot_day is null then 'the source has no published snapshot left (not collected within the daily retention)'
        else c.detail
    end as detail,
    ps.name as previous_site,
    c.previous_class,
    c.previous_status,
    cs.name as current_site,
    c.current_class,
    c.current_status,
    c.is_stale,
    c.last_contact_at,
    c.compared_month_end_day as last_month_end_day,
    c.snapshot_day
from staging.billing_change_rows as c
inner join core.sites as s on s.site_id = c.site_id
inner join ops.source_instances as si on si.source_instance_id = c.source_instance_id
left join core.sites as ps on ps.site_id = c.previous_site_id
left join core.sites as cs on cs.site_id = c.current_site_id
where c.comparison = 'month_to_date';

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

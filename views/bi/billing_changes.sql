-- one row per month × device (× side, for moves) whose billable seat changed since the previous month-end:
-- open months live from the month-end rows, closed months as they stood at close (what the invoice listed)
-- grain: month, source, instance, vendor_id, change
-- depends: staging.billing_change_rows
create view bi.billing_changes as
with changes as (
    select
        r.month,
        r.source_instance_id,
        r.device_id,
        r.site_id,
        r.change,
        r.vendor_id,
        r.hostname,
        r.display_name,
        r.seat_delta,
        r.detail,
        r.previous_site_id,
        r.previous_class,
        r.previous_status,
        r.current_site_id,
        r.current_class,
        r.current_status,
        r.is_stale,
        r.last_contact_at
    from staging.billing_change_rows as r
    where r.comparison = 'month_end'
        and not exists (select 1 from ops.billing_months as bm where bm.month = r.month)
    union all
    select
        f.month,
        f.source_instance_id,
        f.device_id,
        f.site_id,
        f.change,
        f.vendor_id,
        f.hostname,
        f.display_name,
        f.seat_delta,
        f.detail,
        f.previous_site_id,
        f.previous_class,
        f.previous_status,
        f.current_site_id,
        f.current_class,
        f.current_status,
        f.is_stale,
        f.last_contact_at
    from rollup.closed_month_changes as f
)
select
    to_char(c.month, 'YYYY-MM') as month,
    c.site_id,
    s.name as site,
    si.source,
    si.instance,
    c.vendor_id,
    c.hostname,
    c.display_name,
    c.change,
    c.seat_delta,
    c.detail,
    ps.name as previous_site,
    c.previous_class,
    c.previous_status,
    cs.name as current_site,
    c.current_class,
    c.current_status,
    c.is_stale,
    c.last_contact_at,
    s.reference
from changes as c
inner join core.sites as s on s.site_id = c.site_id
inner join ops.source_instances as si on si.source_instance_id = c.source_instance_id
left join core.sites as ps on ps.site_id = c.previous_site_id
left join core.sites as cs on cs.site_id = c.current_site_id;

comment on view bi.billing_changes is 'One row per month × device whose billable seat changed since the previous month-end (a move gives two rows: moved_out at the old site, moved_in at the new). Per site and source, for every month (the first one and one after a month without a month-end included, where the previous counts as zero): coalesce(previous_billable, 0) + sum(seat_delta) = billable in bi.billing_monthly.';
comment on column bi.billing_changes.month is 'Billing month, YYYY-MM (compared with the month before).';
comment on column bi.billing_changes.site_id is 'Site whose seat count the row changes.';
comment on column bi.billing_changes.site is 'Site name.';
comment on column bi.billing_changes.source is 'Vendor.';
comment on column bi.billing_changes.instance is 'Source instance.';
comment on column bi.billing_changes.vendor_id is 'The vendor''s device id.';
comment on column bi.billing_changes.hostname is 'Host name (at the later month-end where listed).';
comment on column bi.billing_changes.display_name is 'Display name (at the later month-end where listed).';
comment on column bi.billing_changes.change is 'added, removed, moved_in, moved_out or reclassified (workstation <-> server, seat count unchanged).';
comment on column bi.billing_changes.seat_delta is '+1, -1 or 0: the change to the site''s billable seats.';
comment on column bi.billing_changes.detail is 'Why: new device, became spare (rule), no longer listed, moved, class change.';
comment on column bi.billing_changes.previous_site is 'Site at the previous month-end.';
comment on column bi.billing_changes.previous_class is 'Device class at the previous month-end.';
comment on column bi.billing_changes.previous_status is 'Billing status at the previous month-end.';
comment on column bi.billing_changes.current_site is 'Site at this month-end.';
comment on column bi.billing_changes.current_class is 'Device class at this month-end.';
comment on column bi.billing_changes.current_status is 'Billing status at this month-end.';
comment on column bi.billing_changes.is_stale is 'True when the device is billed at this month-end but silent longer than the billing policy allows (see bi.billing_month_devices.is_stale).';
comment on column bi.billing_changes.reference is 'The site''s client code in the MSP''s own books (bi.sites.reference, as it is now); null until set.';
comment on column bi.billing_changes.last_contact_at is 'The device''s last contact as of the later month-end where listed, else the earlier.';

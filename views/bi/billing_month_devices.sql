-- one row per month × source instance × device at the month-end snapshot: the device list behind
-- bi.billing_monthly, with why each device was or was not billed (frozen with the month at `billing close`)
-- grain: month, source, instance, vendor_id
create view bi.billing_month_devices as
select
    -- ids
    to_char(d.month, 'YYYY-MM') as month,
    d.month as month_start,
    d.site_id,
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
    d.is_stale,
    d.last_contact_at,
    -- dates
    d.month_end_day,
    coalesce(me.is_exact, false) as is_exact,
    (bm.month is not null) as is_closed,
    s.reference
from rollup.month_end_devices as d
inner join core.sites as s on s.site_id = d.site_id
inner join ops.source_instances as si on si.source_instance_id = d.source_instance_id
left join rollup.month_ends as me on me.month = d.month and me.source_instance_id = d.source_instance_id
left join core.spare_rules as r on r.rule_id = d.spare_rule_id
left join ops.billing_months as bm on bm.month = d.month;

comment on view bi.billing_month_devices is 'One row per month × device (per source instance) at the month-end snapshot: the devices behind bi.billing_monthly, each with its site, class, billing status and why (reason, spare rule), and a stale flag for a billed device silent too long, so an invoice can be checked device by device. Closed months are frozen (and sealed: bi.billing_closes).';
comment on column bi.billing_month_devices.month is 'Billing month, YYYY-MM.';
comment on column bi.billing_month_devices.month_start is 'First day of the billing month (for date filters in BI tools).';
comment on column bi.billing_month_devices.site_id is 'Canonical site id the device was billed to.';
comment on column bi.billing_month_devices.device_id is 'Warehouse device id (one per source instance and vendor id).';
comment on column bi.billing_month_devices.site is 'Canonical site (client) name.';
comment on column bi.billing_month_devices.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.billing_month_devices.instance is 'Source instance.';
comment on column bi.billing_month_devices.vendor_id is 'The vendor''s device id.';
comment on column bi.billing_month_devices.hostname is 'Host name at the month-end.';
comment on column bi.billing_month_devices.display_name is 'Display name at the month-end.';
comment on column bi.billing_month_devices.device_class is 'workstation, server, vm_host, vm_guest, mobile, network or other.';
comment on column bi.billing_month_devices.billing_status is 'billable, spare, not_billed (class not in the billing policy) or internal (site never billed).';
comment on column bi.billing_month_devices.reason is 'Why, in words: e.g. "billable workstation", "spare: name-contains-spare", "class vm_host is not billed".';
comment on column bi.billing_month_devices.spare_rule_id is 'The spare rule that made the device spare (null when not spare).';
comment on column bi.billing_month_devices.spare_rule is 'That rule''s description.';
comment on column bi.billing_month_devices.is_stale is 'True for a billable device whose last contact was more than the billing policy''s stale_after_days (default 30) before the end of the month-end day: still billed, flagged for the operator to decide before invoicing.';
comment on column bi.billing_month_devices.last_contact_at is 'The device''s last contact with the vendor as of the month-end (null when the vendor gives none).';
comment on column bi.billing_month_devices.month_end_day is 'The snapshot day that stood for the month''s end.';
comment on column bi.billing_month_devices.is_exact is 'True when month_end_day is the calendar''s last day of the month.';
comment on column bi.billing_month_devices.is_closed is 'True when `warehouse billing close` froze the month (invoiced).';
comment on column bi.billing_month_devices.reference is 'The client''s code in the MSP''s own books (bi.sites.reference, as it is now); null until set.';

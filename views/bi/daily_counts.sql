-- one row per day × site × source × device class × billing status
-- grain: day, site_id, source, instance, device_class, billing_status
create view bi.daily_counts as
select
    dc.snapshot_day as day,
    dc.site_id,
    s.name as site,
    si.source,
    si.instance,
    dc.device_class,
    dc.billing_status,
    dc.devices
from rollup.daily_counts as dc
inner join core.sites as s on s.site_id = dc.site_id
inner join ops.source_instances as si on si.source_instance_id = dc.source_instance_id;

comment on view bi.daily_counts is 'One row per day × site × source × device class × billing status: device counts from complete (published) source-days, kept 65 days.';
comment on column bi.daily_counts.day is 'Snapshot day (MSP time zone).';
comment on column bi.daily_counts.site_id is 'Canonical site id.';
comment on column bi.daily_counts.site is 'Canonical site (client) name; "(unmapped)" holds devices of unmapped vendor organisations.';
comment on column bi.daily_counts.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.daily_counts.instance is 'Source instance.';
comment on column bi.daily_counts.device_class is 'workstation, server, vm_host, vm_guest, mobile, network or other.';
comment on column bi.daily_counts.billing_status is 'billable, spare, internal or not_billed.';
comment on column bi.daily_counts.devices is 'Number of devices.';

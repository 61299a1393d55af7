-- one row per device per source instance, at the latest published snapshot of that source instance
-- grain: source, instance, vendor_id
-- depends: staging.device_days_latest
create view bi.devices_current as
select
    b.source,
    b.instance,
    b.vendor_id,
    b.snapshot_day,
    b.site_id,
    b.site,
    b.alias_external_id,
    b.alias_name,
    b.location_name,
    b.display_name,
    b.hostname,
    b.fqdn,
    b.serial_number,
    b.mac_addresses,
    b.os_name,
    b.os_build,
    b.vendor_class,
    b.device_class,
    b.billing_category,
    b.billing_status,
    b.billing_reason,
    b.is_spare,
    b.spare_rule_id as spare_rule,
    b.online,
    b.last_contact_at,
    b.last_user,
    b.agent_version
-- only the latest days' partitions are read (staging.device_days_latest says how)
from staging.device_days_latest as b;

comment on view bi.devices_current is 'One row per device per source instance, at the latest published (complete) snapshot day of that source instance.';
comment on column bi.devices_current.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.devices_current.instance is 'Source instance (default unless several servers of one vendor are collected).';
comment on column bi.devices_current.vendor_id is 'The vendor''s device id: NinjaOne id, ThreatLocker computerId, PMP resource_id. With source and instance, the device''s identity.';
comment on column bi.devices_current.snapshot_day is 'The snapshot day (MSP time zone) this row comes from.';
comment on column bi.devices_current.site_id is 'Canonical site (client) id; the unmapped site holds devices of unmapped vendor organisations.';
comment on column bi.devices_current.site is 'Canonical site (client) name.';
comment on column bi.devices_current.alias_external_id is 'The vendor organisation id the device belongs to.';
comment on column bi.devices_current.alias_name is 'The vendor organisation name as the vendor spells it.';
comment on column bi.devices_current.location_name is 'NinjaOne location, ThreatLocker computer group or PMP branch office.';
comment on column bi.devices_current.display_name is 'Display name as the vendor shows it (ThreatLocker: "HOST | user").';
comment on column bi.devices_current.hostname is 'Host name as the vendor reports it.';
comment on column bi.devices_current.fqdn is 'Fully qualified name where the vendor gives one.';
comment on column bi.devices_current.serial_number is 'Hardware serial number (null when the vendor has none or reports "None").';
comment on column bi.devices_current.mac_addresses is 'MAC addresses, upper case with colons.';
comment on column bi.devices_current.os_name is 'Operating system name.';
comment on column bi.devices_current.os_build is 'Operating system build.';
comment on column bi.devices_current.vendor_class is 'The vendor''s own class: NinjaOne nodeClass, ThreatLocker osType, PMP platform.';
comment on column bi.devices_current.device_class is 'workstation, server, vm_host, vm_guest, mobile, network or other.';
comment on column bi.devices_current.billing_category is 'workstation, server or not_billed (by device class).';
comment on column bi.devices_current.billing_status is 'billable, spare, internal (site never billed) or not_billed (class not billed).';
comment on column bi.devices_current.billing_reason is 'Why the device is or is not billed, in words.';
comment on column bi.devices_current.is_spare is 'True when a spare rule fired for this device on this day.';
comment on column bi.devices_current.spare_rule is 'Id of the spare rule that fired (core.spare_rules), null when not spare.';
comment on column bi.devices_current.online is 'Online at collection time, where the vendor says.';
comment on column bi.devices_current.last_contact_at is 'Last contact or check-in reported by the vendor.';
comment on column bi.devices_current.last_user is 'Last logged-in user reported by the vendor.';
comment on column bi.devices_current.agent_version is 'Vendor agent version, where reported.';

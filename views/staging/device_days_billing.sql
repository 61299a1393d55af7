-- one row per device per source instance per day, with its billing decision (the policy of core.settings) and names resolved
create view staging.device_days_billing as
select
    -- ids
    dd.site_id,
    dd.device_id,
    dd.source_instance_id,
    dd.snapshot_day,
    si.source,
    si.instance,
    dd.vendor_id,
    -- attributes
    s.name as site,
    sa.external_id as alias_external_id,
    sa.name as alias_name,
    dd.location_name,
    dd.display_name,
    dd.hostname,
    dd.fqdn,
    dd.serial_number,
    dd.mac_addresses,
    dd.ip_addresses,
    dd.os_name,
    dd.os_build,
    dd.vendor_class,
    dd.device_class,
    core.billing_category(dd.device_class, st.billed_classes) as billing_category,
    dd.is_spare,
    dd.spare_rule_id,
    core.billing_status(s.is_internal, dd.is_spare, dd.device_class, st.billed_classes) as billing_status,
    core.billing_reason(s.is_internal, dd.is_spare, dd.spare_rule_id, dd.device_class, st.billed_classes) as billing_reason,
    core.is_stale(core.billing_status(s.is_internal, dd.is_spare, dd.device_class, st.billed_classes),
        dd.last_contact_at, dd.snapshot_day, st.time_zone, st.stale_after_days) as is_stale,
    dd.online,
    dd.last_contact_at,
    dd.last_user,
    dd.agent_version,
    dd.extras,
    dd.alias_id,
    dd.run_id
from core.device_days as dd
-- the billing policy (core.settings, one row) decides the billed classes and staleness
cross join core.settings as st
inner join ops.source_instances as si on si.source_instance_id = dd.source_instance_id
inner join core.sites as s on s.site_id = dd.site_id
inner join core.site_aliases as sa on sa.alias_id = dd.alias_id;

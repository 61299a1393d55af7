-- one row per cross-vendor finding (open, acknowledged or resolved), kept across runs with its operator note
-- grain: exception_id
create view bi.exceptions as
with exceptions as (
    select * from core.exceptions
)

select
    -- ids
    e.exception_id,
    e.site_id,
    -- attributes
    s.name as site,
    e.kind,
    case e.kind
        when 'not_in_rmm' then 'device in ThreatLocker or Patch Manager Plus with no NinjaOne match'
        when 'no_threatlocker' then 'billable NinjaOne device with no ThreatLocker agent'
        when 'no_pmp' then 'billable NinjaOne device with no Patch Manager Plus agent'
        when 'site_mismatch' then 'the vendors file the device under different sites'
        when 'threatlocker_on_spare' then 'ThreatLocker agent on a spare device'
        when 'duplicate_hostname' then 'several devices of one vendor share a host name'
        else e.kind
    end as kind_description,
    e.status,
    si.source,
    si.instance,
    d.vendor_id,
    e.subject_name,
    e.detail,
    e.note,
    -- timestamps
    e.first_seen_on,
    e.last_seen_on,
    e.resolved_on,
    e.acknowledged_at,
    -- measures
    coalesce(e.resolved_on, e.last_seen_on) - e.first_seen_on as days_open
from exceptions as e
inner join core.sites as s on s.site_id = e.site_id
left join ops.source_instances as si on si.source_instance_id = e.source_instance_id
left join core.devices as d on d.device_id = e.device_id;

comment on view bi.exceptions is 'One row per cross-vendor finding, kept across runs: first and last day seen, status (open; acknowledged with an operator note; resolved, with the day the condition cleared) and a detail naming the devices and, for matches, the rule that matched. Acknowledge with `warehouse exceptions ack <id> --note ...`.';
comment on column bi.exceptions.exception_id is 'Finding id, as `warehouse exceptions ack` takes it.';
comment on column bi.exceptions.site_id is 'Canonical site of the device the finding is about.';
comment on column bi.exceptions.site is 'Canonical site name.';
comment on column bi.exceptions.kind is 'not_in_rmm, no_threatlocker, no_pmp, site_mismatch, threatlocker_on_spare or duplicate_hostname.';
comment on column bi.exceptions.kind_description is 'The kind in words.';
comment on column bi.exceptions.status is 'open, acknowledged (an operator noted it) or resolved (the condition cleared; it reopens if it returns).';
comment on column bi.exceptions.source is 'Vendor whose device (or duplicate host name) the finding is about.';
comment on column bi.exceptions.instance is 'Source instance.';
comment on column bi.exceptions.vendor_id is 'The vendor''s device id; null for duplicate host names (the detail lists the ids).';
comment on column bi.exceptions.subject_name is 'Host name (or display name) of the device, kept after the device is gone.';
comment on column bi.exceptions.detail is 'What was found, naming the devices, sites and the matching rule, as of the last day seen.';
comment on column bi.exceptions.note is 'The operator''s note from `warehouse exceptions ack`.';
comment on column bi.exceptions.first_seen_on is 'First snapshot day the finding held.';
comment on column bi.exceptions.last_seen_on is 'Last snapshot day the finding held.';
comment on column bi.exceptions.resolved_on is 'The snapshot day the condition was found cleared; null unless resolved.';
comment on column bi.exceptions.acknowledged_at is 'When an operator acknowledged it.';
comment on column bi.exceptions.days_open is 'Days from first seen to resolved (or to last seen while unresolved).';

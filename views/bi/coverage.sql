-- one row per canonical site: devices per vendor, how many the RMM matches, and each kind of gap, as of the last exceptions refresh
-- grain: site_id
-- depends: staging.site_sources
-- The vendor columns are the sources' roles (core.source_roles): ninjaone_* the RMM's, threatlocker_*
-- the allowlisting tool's, pmp_* the patch manager's.
-- The picture is the one the last refresh of the findings judged (core.device_matches,
-- ops.exception_refreshes), so the gap columns equal the current rows of bi.exceptions; they are
-- null when that refresh could not judge the kind (a source had not published the as-of day).
create view bi.coverage as
with sites as (
    select * from core.sites
),

latest_refresh as (
    select
        r.as_of,
        r.judged
    from ops.exception_refreshes as r
    order by r.refresh_id desc
    limit 1
),

roles as (
    select
        si.source_instance_id,
        sr.role
    from ops.source_instances as si
    inner join core.source_roles as sr on sr.source = si.source
),

picture as (
    select
        dm.*,
        roles.role
    from core.device_matches as dm
    left join roles on roles.source_instance_id = dm.source_instance_id
),

devices as (
    select
        picture.site_id,
        count(*) filter (where picture.role = 'rmm') as ninjaone_devices,
        count(*) filter (where picture.role = 'rmm' and picture.billing_status = 'billable') as ninjaone_billable,
        count(*) filter (where picture.role = 'allowlisting') as threatlocker_devices,
        count(*) filter (where picture.role = 'patching') as pmp_devices,
        count(*) filter (where picture.role = 'allowlisting' and picture.rmm_device_id is not null) as threatlocker_matched,
        count(*) filter (where picture.role = 'patching' and picture.rmm_device_id is not null) as pmp_matched
    from picture
    group by picture.site_id
),

rmm_links as (
    select
        picture.rmm_site_id as site_id,
        picture.rmm_device_id,
        bool_or(picture.role = 'allowlisting') as has_threatlocker,
        bool_or(picture.role = 'patching') as has_pmp
    from picture
    where picture.rmm_device_id is not null
    group by picture.rmm_site_id, picture.rmm_device_id
),

rmm_covered as (
    select
        rmm_links.site_id,
        count(*) filter (where rmm_links.has_threatlocker) as ninjaone_with_threatlocker,
        count(*) filter (where rmm_links.has_pmp) as ninjaone_with_pmp,
        count(*) filter (where rmm_links.has_threatlocker and rmm_links.has_pmp) as ninjaone_with_both
    from rmm_links
    group by rmm_links.site_id
),

uses as (
    select
        ss.site_id,
        bool_or(sr.role = 'allowlisting') as uses_threatlocker,
        bool_or(sr.role = 'patching') as uses_pmp
    from staging.site_sources as ss
    left join core.source_roles as sr on sr.source = ss.source
    group by ss.site_id
),

judged as (
    select
        lr.as_of,
        bool_or(j.kind = 'not_in_rmm' and roles.role = 'allowlisting') as threatlocker_not_in_rmm,
        bool_or(j.kind = 'not_in_rmm' and roles.role = 'patching') as pmp_not_in_rmm,
        bool_or(j.kind = 'no_threatlocker') as no_threatlocker,
        bool_or(j.kind = 'no_pmp') as no_pmp,
        bool_or(j.kind = 'site_mismatch') as site_mismatch,
        bool_or(j.kind = 'threatlocker_on_spare') as threatlocker_on_spare,
        bool_or(j.kind = 'duplicate_hostname') as duplicate_hostname
    from latest_refresh as lr
    left join lateral unnest(lr.judged) as scope (entry) on true
    left join lateral (
        select
            split_part(scope.entry, ':', 1) as kind,
            split_part(scope.entry, ':', 2)::int as source_instance_id
    ) as j on true
    left join roles on roles.source_instance_id = j.source_instance_id
    group by lr.as_of
),

gaps as (
    select
        e.site_id,
        count(*) filter (where e.kind = 'not_in_rmm' and roles.role = 'allowlisting') as threatlocker_not_in_rmm,
        count(*) filter (where e.kind = 'not_in_rmm' and roles.role = 'patching') as pmp_not_in_rmm,
        count(*) filter (where e.kind = 'no_threatlocker') as no_threatlocker,
        count(*) filter (where e.kind = 'no_pmp') as no_pmp,
        count(*) filter (where e.kind = 'site_mismatch') as site_mismatch,
        count(*) filter (where e.kind = 'threatlocker_on_spare') as threatlocker_on_spare,
        count(*) filter (where e.kind = 'duplicate_hostname') as duplicate_hostname
    from core.exceptions as e
    inner join latest_refresh as lr on lr.as_of = e.last_seen_on
    left join roles on roles.source_instance_id = e.source_instance_id
    where e.status in ('open', 'acknowledged')
    group by e.site_id
),

exceptions as (
    select
        e.site_id,
        count(*) filter (where e.status = 'open') as open_exceptions,
        count(*) filter (where e.status = 'acknowledged') as acknowledged_exceptions
    from core.exceptions as e
    group by e.site_id
),

as_of_days as (
    select
        max(picture.snapshot_day) filter (where picture.role = 'rmm') as ninjaone_as_of,
        max(picture.snapshot_day) filter (where picture.role = 'allowlisting') as threatlocker_as_of,
        max(picture.snapshot_day) filter (where picture.role = 'patching') as pmp_as_of
    from picture
)

select
    -- ids
    sites.site_id,
    -- attributes
    sites.name as site,
    sites.is_internal,
    sites.is_unmapped,
    coalesce(uses.uses_threatlocker, false) as uses_threatlocker,
    coalesce(uses.uses_pmp, false) as uses_pmp,
    -- devices per vendor
    coalesce(devices.ninjaone_devices, 0)::int as ninjaone_devices,
    coalesce(devices.ninjaone_billable, 0)::int as ninjaone_billable,
    coalesce(devices.threatlocker_devices, 0)::int as threatlocker_devices,
    coalesce(devices.pmp_devices, 0)::int as pmp_devices,
    -- matched
    coalesce(devices.threatlocker_matched, 0)::int as threatlocker_matched,
    coalesce(devices.pmp_matched, 0)::int as pmp_matched,
    coalesce(rmm_covered.ninjaone_with_threatlocker, 0)::int as ninjaone_with_threatlocker,
    coalesce(rmm_covered.ninjaone_with_pmp, 0)::int as ninjaone_with_pmp,
    coalesce(rmm_covered.ninjaone_with_both, 0)::int as ninjaone_with_both,
    -- gaps (null when not judged)
    case when judged.threatlocker_not_in_rmm then coalesce(gaps.threatlocker_not_in_rmm, 0)::int end as threatlocker_not_in_rmm,
    case when judged.pmp_not_in_rmm then coalesce(gaps.pmp_not_in_rmm, 0)::int end as pmp_not_in_rmm,
    case when judged.no_threatlocker then coalesce(gaps.no_threatlocker, 0)::int end as billable_without_threatlocker,
    case when judged.no_pmp then coalesce(gaps.no_pmp, 0)::int end as billable_without_pmp,
    case when judged.site_mismatch then coalesce(gaps.site_mismatch, 0)::int end as site_mismatches,
    case when judged.threatlocker_on_spare then coalesce(gaps.threatlocker_on_spare, 0)::int end as threatlocker_on_spare,
    case when judged.duplicate_hostname then coalesce(gaps.duplicate_hostname, 0)::int end as duplicate_hostnames,
    -- exceptions
    coalesce(exceptions.open_exceptions, 0)::int as open_exceptions,
    coalesce(exceptions.acknowledged_exceptions, 0)::int as acknowledged_exceptions,
    -- days
    judged.as_of,
    as_of_days.ninjaone_as_of,
    as_of_days.threatlocker_as_of,
    as_of_days.pmp_as_of
from sites
cross join as_of_days
left join judged on true
left join uses on uses.site_id = sites.site_id
left join devices on devices.site_id = sites.site_id
left join rmm_covered on rmm_covered.site_id = sites.site_id
left join gaps on gaps.site_id = sites.site_id
left join exceptions on exceptions.site_id = sites.site_id;

comment on view bi.coverage is 'One row per canonical site, as of the last refresh of the cross-vendor findings (the nightly `warehouse rollup`, or `warehouse exceptions refresh`): its devices in each vendor at that vendor''s latest published snapshot, how many ThreatLocker and Patch Manager Plus devices match a NinjaOne (RMM) device (by host name, NetBIOS name, serial, MAC, then host name with IP address), and each kind of cross-vendor gap. Gap columns equal the current rows of bi.exceptions (open or acknowledged, last seen on as_of) and are null when that refresh could not judge the kind.';
comment on column bi.coverage.site_id is 'Canonical site id.';
comment on column bi.coverage.site is 'Canonical site name.';
comment on column bi.coverage.is_internal is 'True for the MSP''s own site (never billed, so never a billable gap).';
comment on column bi.coverage.is_unmapped is 'True for the site that holds devices of unmapped vendor organisations.';
comment on column bi.coverage.uses_threatlocker is 'A ThreatLocker organisation is mapped to the site: missing ThreatLocker agents count as gaps only then.';
comment on column bi.coverage.uses_pmp is 'A Patch Manager Plus customer or branch office is mapped to the site: missing PMP agents count as gaps only then.';
comment on column bi.coverage.ninjaone_devices is 'NinjaOne devices at the site.';
comment on column bi.coverage.ninjaone_billable is 'NinjaOne devices at the site that are billable (workstation or server, not spare, site not internal).';
comment on column bi.coverage.threatlocker_devices is 'ThreatLocker computers at the site.';
comment on column bi.coverage.pmp_devices is 'Patch Manager Plus systems at the site.';
comment on column bi.coverage.threatlocker_matched is 'ThreatLocker computers at the site that match a NinjaOne device (at any site).';
comment on column bi.coverage.pmp_matched is 'Patch Manager Plus systems at the site that match a NinjaOne device (at any site).';
comment on column bi.coverage.ninjaone_with_threatlocker is 'NinjaOne devices at the site that at least one ThreatLocker computer matches.';
comment on column bi.coverage.ninjaone_with_pmp is 'NinjaOne devices at the site that at least one Patch Manager Plus system matches.';
comment on column bi.coverage.ninjaone_with_both is 'NinjaOne devices at the site matched in both ThreatLocker and Patch Manager Plus.';
comment on column bi.coverage.threatlocker_not_in_rmm is 'ThreatLocker computers at the site with no NinjaOne match (finding not_in_rmm).';
comment on column bi.coverage.pmp_not_in_rmm is 'Patch Manager Plus systems at the site with no NinjaOne match (finding not_in_rmm).';
comment on column bi.coverage.billable_without_threatlocker is 'Billable NinjaOne devices with no ThreatLocker agent, at sites that use ThreatLocker (finding no_threatlocker).';
comment on column bi.coverage.billable_without_pmp is 'Billable NinjaOne devices with no Patch Manager Plus agent, at sites that use it (finding no_pmp).';
comment on column bi.coverage.site_mismatches is 'ThreatLocker or PMP devices at the site whose NinjaOne match is filed under another site (finding site_mismatch).';
comment on column bi.coverage.threatlocker_on_spare is 'ThreatLocker agents at the site on a device that is spare in ThreatLocker or NinjaOne (finding threatlocker_on_spare).';
comment on column bi.coverage.duplicate_hostnames is 'Host names that two or more devices of one vendor share at the site (finding duplicate_hostname; the devices are never merged).';
comment on column bi.coverage.open_exceptions is 'Findings at the site with status open (bi.exceptions).';
comment on column bi.coverage.acknowledged_exceptions is 'Findings at the site acknowledged by an operator and not yet resolved.';
comment on column bi.coverage.as_of is 'The day the last refresh judged: the latest snapshot day any source had published; null before the first refresh.';
comment on column bi.coverage.ninjaone_as_of is 'NinjaOne''s latest published snapshot day (the device counts come from it).';
comment on column bi.coverage.threatlocker_as_of is 'ThreatLocker''s latest published snapshot day.';
comment on column bi.coverage.pmp_as_of is 'Patch Manager Plus''s latest published snapshot day.';

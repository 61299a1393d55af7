-- one row per vendor organisation (top-level alias) not mapped to a site, with the reason and its devices at its source's latest snapshot
-- grain: source, instance, kind, external_id
-- depends: staging.source_days_latest
create view bi.unmapped_aliases as
with unmapped as (
    select * from core.site_aliases as sa
    where sa.parent_external_id is null
        and sa.site_id is null
),

devices as (
    select
        dd.alias_id,
        count(*) as device_count
    from core.device_days as dd
    inner join staging.source_days_latest as sdl
        on sdl.source_instance_id = dd.source_instance_id
        and sdl.snapshot_day = dd.snapshot_day
    where dd.alias_id in (select unmapped.alias_id from unmapped)
        -- the latest days, each computed once before the scan, so only their partitions are read
        -- (as staging.device_days_latest does, which says why)
        and (
            dd.snapshot_day = any(array[
                (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1),
                (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1 offset 1),
                (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1 offset 2)
            ])
            or dd.snapshot_day >= (select min(d.snapshot_day) from staging.source_days_latest as d having count(distinct d.snapshot_day) > 3)
        )
    group by dd.alias_id
),

candidates as (
    select
        unmapped.alias_id,
        array_agg(s.name order by s.name) as candidate_sites
    from unmapped
    inner join core.sites as s
        on s.normalized_name = unmapped.normalized_name
        and not s.is_unmapped
    group by unmapped.alias_id
)

select
    -- ids
    si.source,
    si.instance,
    u.kind,
    u.external_id,
    -- attributes
    u.name,
    u.normalized_name,
    coalesce(u.mapping_note, 'not matched yet') as reason,
    coalesce(candidates.candidate_sites, '{}') as candidate_sites,
    u.last_seen_on >= sdl.snapshot_day as is_current,
    -- measures
    coalesce(devices.device_count, 0)::int as devices,
    -- timestamps
    u.first_seen_on,
    u.last_seen_on
from unmapped as u
inner join ops.source_instances as si on si.source_instance_id = u.source_instance_id
left join staging.source_days_latest as sdl on sdl.source_instance_id = u.source_instance_id
left join devices on devices.alias_id = u.alias_id
left join candidates on candidates.alias_id = u.alias_id;

comment on view bi.unmapped_aliases is 'One row per vendor organisation (NinjaOne organization, ThreatLocker child organization, PMP customer or branch office) that is not mapped to a canonical site. Its devices are counted under the "(unmapped)" site until it is mapped (WAREHOUSE_SITE_MAP or `warehouse sites map`).';
comment on column bi.unmapped_aliases.source is 'Vendor: ninjaone, threatlocker or pmp.';
comment on column bi.unmapped_aliases.instance is 'Source instance.';
comment on column bi.unmapped_aliases.kind is 'organization, child_organization, customer or branch_office.';
comment on column bi.unmapped_aliases.external_id is 'The vendor''s id for the organisation: what a mapping names.';
comment on column bi.unmapped_aliases.name is 'The organisation name as the vendor spells it.';
comment on column bi.unmapped_aliases.normalized_name is 'The name as automatic matching compared it.';
comment on column bi.unmapped_aliases.reason is 'Why it was not matched automatically: no site of that name, several sites (ambiguous), or several organisations of one vendor with that name.';
comment on column bi.unmapped_aliases.candidate_sites is 'Sites whose own name normalises to the same name (several mean the match was ambiguous).';
comment on column bi.unmapped_aliases.is_current is 'True when the vendor listed the organisation on its latest published day.';
comment on column bi.unmapped_aliases.devices is 'Devices of the organisation at its source''s latest published snapshot.';
comment on column bi.unmapped_aliases.first_seen_on is 'First snapshot day the vendor listed the organisation.';
comment on column bi.unmapped_aliases.last_seen_on is 'Last snapshot day the vendor listed the organisation.';

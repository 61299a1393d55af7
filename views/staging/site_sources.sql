-- one row per site and vendor that has an organisation mapped to the site, as listed on that vendor's latest published day
-- depends: staging.source_days_latest
-- A site "uses" ThreatLocker or Patch Manager Plus only then: a client that does not buy a tool is not a gap in it.
create view staging.site_sources as
with aliases as (
    select
        sa.site_id,
        sa.source_instance_id,
        sa.last_seen_on
    from core.site_aliases as sa
    where sa.parent_external_id is null
        and sa.site_id is not null
)

select distinct
    aliases.site_id,
    si.source
from aliases
inner join staging.source_days_latest as sdl on sdl.source_instance_id = aliases.source_instance_id
inner join ops.source_instances as si on si.source_instance_id = aliases.source_instance_id
where aliases.last_seen_on >= sdl.snapshot_day;

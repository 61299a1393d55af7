-- one row per finding kind and source instance that the latest snapshots can judge: every source the kind compares published the as-of day (the latest day any source published)
-- depends: staging.source_days_latest
-- Findings are only ever drawn from same-day snapshots: a source that has not published the as-of
-- day yet (or has stopped publishing) neither opens nor resolves the findings that involve it.
create view staging.cross_vendor_scopes as
with latest as (
    select
        sdl.source_instance_id,
        si.source,
        sdl.snapshot_day,
        max(sdl.snapshot_day) over () as as_of
    from staging.source_days_latest as sdl
    inner join ops.source_instances as si on si.source_instance_id = sdl.source_instance_id
),

current_instances as (
    select * from latest where latest.snapshot_day = latest.as_of
),

present as (
    select
        bool_or(current_instances.source = 'ninjaone') as has_rmm,
        bool_or(current_instances.source = 'threatlocker') as has_threatlocker,
        bool_or(current_instances.source = 'pmp') as has_pmp
    from current_instances
)

select
    c.source_instance_id,
    c.source,
    k.kind,
    c.as_of
from current_instances as c
cross join present as p
cross join lateral (
    values
        ('not_in_rmm', c.source <> 'ninjaone' and p.has_rmm),
        ('site_mismatch', c.source <> 'ninjaone' and p.has_rmm),
        ('no_threatlocker', c.source = 'ninjaone' and p.has_threatlocker),
        ('no_pmp', c.source = 'ninjaone' and p.has_pmp),
        ('threatlocker_on_spare', c.source = 'threatlocker'),
        ('duplicate_hostname', true)
) as k (kind, applies)
where k.applies;

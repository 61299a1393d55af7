-- one row per finding kind and source instance that the latest snapshots can judge: every source the kind compares published the as-of day (the latest day any source published)
-- depends: staging.source_days_latest
-- Findings are only ever drawn from same-day snapshots: a source that has not published the as-of
-- day yet (or has stopped publishing) neither opens nor resolves the findings that involve it.
create view staging.cross_vendor_scopes as
with latest as (
    select
        sdl.source_instance_id,
        si.source,
        sr.role,
        sdl.snapshot_day,
        max(sdl.snapshot_day) over () as as_of
    from staging.source_days_latest as sdl
    inner join ops.source_instances as si on si.source_instance_id = sdl.source_instance_id
    -- each source's role (core.source_roles): the kinds compare roles, not vendors
    left join core.source_roles as sr on sr.source = si.source
),

current_instances as (
    select * from latest where latest.snapshot_day = latest.as_of
),

present as (
    select
        bool_or(current_instances.role = 'rmm') as has_rmm,
        bool_or(current_instances.role = 'allowlisting') as has_threatlocker,
        bool_or(current_instances.role = 'patching') as has_pmp
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
        ('not_in_rmm', c.role is distinct from 'rmm' and p.has_rmm),
        ('site_mismatch', c.role is distinct from 'rmm' and p.has_rmm),
        ('no_threatlocker', c.role = 'rmm' and p.has_threatlocker),
        ('no_pmp', c.role = 'rmm' and p.has_pmp),
        ('threatlocker_on_spare', c.role = 'allowlisting'),
        ('duplicate_hostname', true)
) as k (kind, applies)
where k.applies;

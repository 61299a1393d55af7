-- one row per device per day with a patch status: the current run of consecutive days with missing critical patches
-- (a window over each device's whole history: kept apart from the per-day compliance views so that they stay cheap)
create view staging.patch_exposure as
with history as (
    select
        ps.site_id,
        ps.snapshot_day,
        ps.device_id,
        ps.missing_critical,
        coalesce(ps.missing_critical > 0, false) as exposed,
        -- a day with none missing, or an unknown count, starts a new island; days without a row bridge
        count(*) filter (where not coalesce(ps.missing_critical > 0, false))
            over (partition by ps.device_id order by ps.snapshot_day) as island,
        min(ps.snapshot_day) over (partition by ps.device_id) as first_observed_day
    from core.patch_status as ps
),
runs as (
    select
        h.*,
        min(h.snapshot_day) filter (where h.exposed) over (partition by h.device_id, h.island) as island_first_exposed_day
    from history as h
)
select
    r.site_id,
    r.snapshot_day,
    r.device_id,
    case when r.exposed then r.island_first_exposed_day end as exposed_since,
    case
        when r.missing_critical is null then null
        when r.exposed then r.snapshot_day - r.island_first_exposed_day + 1
        else 0
    end as exposure_days,
    r.exposed and r.island_first_exposed_day = r.first_observed_day as exposure_is_lower_bound
from runs as r;

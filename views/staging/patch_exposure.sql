-- one row per device per day with a patch status: the current run of consecutive days with missing critical patches
-- (materialised by the rollup in rollup.patch_exposure, each day from the day before, rollups/patch-exposure.ts:
-- a read joins one day's partition by its key and never windows over history. A run is the device's
-- consecutive patch status rows with missing critical patches: days without a row bridge, a day with
-- none missing or an unknown count ends it; a lower bound when it starts on the device's first
-- observed day. Chosen for retention: the rollup carries a run's true first day past the days
-- retention drops (a window over the retained rows would restart it at the first retained day, as a
-- lower bound). A day published but not yet rolled up has null exposure for its exposed devices.)
create view staging.patch_exposure as
select
    ps.site_id,
    ps.snapshot_day,
    ps.device_id,
    case when ps.missing_critical > 0 then pe.exposed_since end as exposed_since,
    case
        when ps.missing_critical is null then null
        when ps.missing_critical > 0 then ps.snapshot_day - pe.exposed_since + 1
        else 0
    end as exposure_days,
    coalesce(ps.missing_critical > 0 and pe.exposed_since = pe.first_observed_day, false) as exposure_is_lower_bound
from core.patch_status as ps
left join rollup.patch_exposure as pe
    on pe.site_id = ps.site_id
    and pe.snapshot_day = ps.snapshot_day
    and pe.device_id = ps.device_id
    -- the state of this very row (a state carried over a gap has an earlier status day)
    and pe.status_day = ps.snapshot_day;

-- one row per source instance: its latest published snapshot day
-- (distinct on, not a row_number() = 1 filter: the planner estimates a window filter at one row, so
-- every join above it became a nested loop, and with a few days of history bi.sites and
-- bi.devices_current spent seconds discarding millions of joined rows; distinct on is estimated at
-- the number of source instances, which is what it returns)
create view staging.source_days_latest as
select distinct on (sd.source_instance_id)
    sd.source_instance_id,
    sd.snapshot_day,
    sd.run_id
from ops.source_days as sd
order by sd.source_instance_id, sd.snapshot_day desc;

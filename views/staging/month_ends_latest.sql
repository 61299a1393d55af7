-- one row per source instance: its latest materialised month-end (month and snapshot day), the one
-- today's billing is compared with
create view staging.month_ends_latest as
select distinct on (me.source_instance_id)
    me.source_instance_id,
    me.month,
    me.month_end_day
from rollup.month_ends as me
order by me.source_instance_id, me.month desc;

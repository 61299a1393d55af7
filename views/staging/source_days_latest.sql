-- one row per source instance: its latest published snapshot day
create view staging.source_days_latest as
with published as (
    select
        sd.source_instance_id,
        sd.snapshot_day,
        sd.run_id,
        row_number() over (partition by sd.source_instance_id order by sd.snapshot_day desc) as recency
    from ops.source_days as sd
)
select
    published.source_instance_id,
    published.snapshot_day,
    published.run_id
from published
where published.recency = 1;

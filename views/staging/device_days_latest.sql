-- one row per device per source instance at that instance's latest published snapshot day: staging.device_days_billing's rows of those days
-- depends: staging.source_days_latest
-- depends: staging.device_days_billing
-- The latest days are known only when the query runs, so PostgreSQL cannot prune core.device_days'
-- day partitions when it plans the join, and a plain join reads every day held (65 of them) to keep
-- one. The bound in the where clause is an uncorrelated subquery, computed once before the scan (an
-- InitPlan): run-time partition pruning then skips every partition older than the earliest latest
-- day, and a filter on the site reaches the latest partitions' primary key. The join still picks each
-- instance's own day, so an instance a day behind costs one more partition, never a wrong row.
create view staging.device_days_latest as
select b.*
from staging.device_days_billing as b
inner join staging.source_days_latest as latest
    on latest.source_instance_id = b.source_instance_id
    and latest.snapshot_day = b.snapshot_day
where b.snapshot_day >= (select min(l.snapshot_day) from staging.source_days_latest as l);

-- one row per device per source instance at that instance's latest published snapshot day: staging.device_days_billing's rows of those days
-- depends: staging.source_days_latest
-- depends: staging.device_days_billing
-- The latest days are known only when the query runs, so PostgreSQL cannot prune core.device_days'
-- day partitions when it plans the join, and a plain join reads every day held (65 of them) to keep
-- one. The where clause names the days with uncorrelated subqueries, each computed once before the
-- scan (an InitPlan), and run-time partition pruning skips every other day's partition: the three
-- latest distinct days exactly (one per vendor, when each lags on its own), and from the earliest on
-- when there are more (null otherwise). A filter on the site still reaches the latest partitions'
-- primary key. The pairs test then keeps each instance's own day: the days only ever save reading.
-- bi.unmapped_aliases bounds its own read of core.device_days the same way.
create view staging.device_days_latest as
select b.*
from staging.device_days_billing as b
where (
    b.snapshot_day = any(array[
        (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1),
        (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1 offset 1),
        (select d.snapshot_day from staging.source_days_latest as d group by d.snapshot_day order by d.snapshot_day desc limit 1 offset 2)
    ])
    or b.snapshot_day >= (select min(d.snapshot_day) from staging.source_days_latest as d having count(distinct d.snapshot_day) > 3)
)
-- each instance's own latest day: a test on the row against the pairs, computed once, not a join
-- (a join's estimate needs statistics of the partitioned parent, which nothing analyzes)
and (b.source_instance_id, b.snapshot_day) = any(array(select (l.source_instance_id, l.snapshot_day) from staging.source_days_latest as l));

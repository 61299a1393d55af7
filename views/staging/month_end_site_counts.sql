-- one row per month × site × source instance at the month-end: billable seats by class, spares, totals
-- (rollup.month_end_sites, derived with the month-end; no device row is re-counted here)
create view staging.month_end_site_counts as
select ms.month, ms.site_id, ms.source_instance_id, ms.workstations, ms.servers, ms.spares, ms.billable, ms.total
from rollup.month_end_sites as ms
where ms.total > 0;

-- one row per month × site × source instance that has month-end rows: billable seats by class, spares, totals
create view staging.month_end_site_counts as
select
    med.month,
    med.site_id,
    med.source_instance_id,
    count(*) filter (where med.billing_status = 'billable' and med.device_class = 'workstation') as workstations,
    count(*) filter (where med.billing_status = 'billable' and med.device_class = 'server') as servers,
    count(*) filter (where med.billing_status = 'spare') as spares,
    count(*) filter (where med.billing_status = 'billable') as billable,
    count(*) as total
from rollup.month_end_devices as med
group by med.month, med.site_id, med.source_instance_id;

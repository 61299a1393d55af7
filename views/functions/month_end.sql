-- The month-end's site-level tables from its per-device rows (rollup.month_end_devices), called by
-- rollups/month-end.ts for each month-end it materialises or re-derives.

-- One month's counts per site, source instance, class and billing status.
create or replace function rollup.derive_month_end_counts(first_day date) returns void
language sql as $$
    delete from rollup.month_end_counts where month = first_day;
    insert into rollup.month_end_counts (site_id, month, source_instance_id, device_class, billing_status, devices)
    select
        med.site_id,
        med.month,
        med.source_instance_id,
        med.device_class,
        med.billing_status,
        count(*)::int
    from rollup.month_end_devices as med
    where med.month = first_day
    group by med.site_id, med.month, med.source_instance_id, med.device_class, med.billing_status;
$$;

-- One month's rows from the site-level counts of that month and the month before: every site with
-- devices of the source at either month-end gets a row, so a site that lost all its devices shows
-- zeros; previous_billable is null when it had none before. (Migration 0011 backfilled with the
-- first version of this function.)
create or replace function rollup.derive_month_end_sites(first_day date) returns void
language sql as $$
    delete from rollup.month_end_sites where month = first_day;
    insert into rollup.month_end_sites (site_id, month, source_instance_id, workstations, servers, spares, billable, total, previous_billable)
    select
        c.site_id,
        me.month,
        me.source_instance_id,
        coalesce(sum(c.devices) filter (where c.month = me.month and c.billing_status = 'billable' and c.device_class = 'workstation'), 0),
        coalesce(sum(c.devices) filter (where c.month = me.month and c.billing_status = 'billable' and c.device_class = 'server'), 0),
        coalesce(sum(c.devices) filter (where c.month = me.month and c.billing_status = 'spare'), 0),
        coalesce(sum(c.devices) filter (where c.month = me.month and c.billing_status = 'billable'), 0),
        coalesce(sum(c.devices) filter (where c.month = me.month), 0),
        case when bool_or(c.month < me.month)
            then coalesce(sum(c.devices) filter (where c.month < me.month and c.billing_status = 'billable'), 0) end
    from rollup.month_ends as me
    inner join rollup.month_end_counts as c
        on c.source_instance_id = me.source_instance_id and c.month in (me.month, (me.month - interval '1 month')::date)
    where me.month = first_day
    group by c.site_id, me.month, me.source_instance_id;
$$;

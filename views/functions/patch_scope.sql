-- The patch reads whose days are known only when a query runs (issue 23): the source-days the
-- rollup's materialised rows do not stand for. A view can name such days only with subqueries, which
-- PostgreSQL plans before it knows them: every day partition of core.device_days, core.patch_status
-- and rollup.patch_exposure is planned (hundreds of milliseconds of planning alone at 65 days) and
-- most of them only pruned at run time. The views find those days first and call these functions by
-- a lateral join, once per day (and instance), and each runs its query with the day as a value
-- (EXECUTE ... USING plans it as a constant), so only that day's partitions are planned and read, and
-- nothing at all when there is no such day. SECURITY DEFINER: the bi views call them for their
-- readers, who may read bi only (and cannot name these: they have no usage on staging); they read
-- what the views they stand in for read.

-- staging.patch_site_instance_days_computed for the source-days of p_day that the materialised
-- aggregates do not stand for (staging.patch_scope_source_days): staging.patch_site_instance_days
-- calls it for each day that has one (none after the nightly rollup, the latest day between its
-- publish and the rollup, every day held after a compliance setting changed until the next one), by
-- a lateral join on the day, so a filter on the day keeps it to that day.
create or replace function staging.patch_site_instance_days_owed(p_day date) returns table (
    site_id integer,
    snapshot_day date,
    source text,
    source_instance_id integer,
    devices_total bigint,
    devices_in_scope bigint,
    devices_spare bigint,
    devices_stale_or_offline bigint,
    devices_unknown bigint,
    devices_missing_critical bigint,
    devices_missing_important bigint,
    devices_important_unknown bigint,
    devices_moderate_unknown bigint,
    devices_low_unknown bigint,
    devices_unrated_unknown bigint,
    missing_critical bigint,
    missing_important bigint,
    missing_moderate bigint,
    missing_low bigint,
    missing_unrated bigint,
    missing_os bigint,
    missing_third_party bigint,
    missing_driver bigint,
    missing_bios bigint,
    max_critical_on_one_device integer,
    max_important_on_one_device integer,
    max_moderate_on_one_device integer,
    max_low_on_one_device integer,
    max_unrated_on_one_device integer,
    devices_healthy bigint,
    devices_vulnerable bigint,
    devices_highly_vulnerable bigint,
    devices_health_unknown bigint,
    devices_scanned bigint,
    devices_not_scanned bigint,
    devices_scan_unknown bigint,
    devices_scan_succeeded bigint,
    devices_scan_not_succeeded bigint,
    devices_scan_outcome_unknown bigint,
    devices_scanned_within_window bigint,
    devices_not_scanned_within_window bigint,
    devices_scan_window_unknown bigint,
    devices_exposed_over_30_days bigint,
    max_exposure_days integer
)
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $fn$
#variable_conflict use_column
declare
    owed integer[];
begin
    select array_agg(o.source_instance_id) into owed
    from staging.patch_scope_source_days as o
    where not o.materialised and o.snapshot_day = p_day;
    if owed is null then
        return;
    end if;
    return query execute
        'select c.* from staging.patch_site_instance_days_computed as c where c.snapshot_day = $1 and c.source_instance_id = any($2)'
        using p_day, owed;
end
$fn$;

-- One patch source instance's day, device by device, with the day's exposure: staging.patch_device_days_exposed
-- with the day and instance as constants, so only that day's partitions are planned and read.
-- staging.patch_device_days_latest calls it for each instance whose latest day the rows the rollup
-- materialised (rollup.patch_device_latest) do not stand for (staging.patch_device_latest_sources).
create or replace function staging.patch_device_days_on(p_day date, p_source_instance_id integer) returns table (
    site_id integer,
    snapshot_day date,
    device_id bigint,
    source_instance_id integer,
    source text,
    instance text,
    vendor_id text,
    display_name text,
    hostname text,
    device_class text,
    is_spare boolean,
    spare_rule_id text,
    online boolean,
    last_contact_at timestamp with time zone,
    as_of timestamp with time zone,
    has_patch_status boolean,
    scope_status text,
    scope_reason text,
    missing_critical integer,
    missing_important integer,
    missing_moderate integer,
    missing_low integer,
    missing_unrated integer,
    missing_os integer,
    missing_third_party integer,
    missing_driver integer,
    missing_bios integer,
    installed_count integer,
    last_scan_at timestamp with time zone,
    last_successful_scan_at timestamp with time zone,
    scan_status text,
    health_status text,
    known_health text,
    last_seen_at timestamp with time zone,
    days_since_seen numeric,
    scan_age_days numeric,
    scanned boolean,
    scan_succeeded boolean,
    scanned_within_window boolean,
    installed_os integer,
    installed_third_party integer,
    installed_driver integer,
    installed_bios integer,
    total_os integer,
    total_third_party integer,
    total_driver integer,
    total_bios integer,
    last_patched_at timestamp with time zone,
    extras jsonb,
    agent_version text,
    first_seen_on date,
    exposed_since date,
    exposure_days integer,
    exposure_is_lower_bound boolean
)
language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $fn$
begin
    return query execute
        'select e.* from staging.patch_device_days_exposed as e where e.snapshot_day = $1 and e.source_instance_id = $2'
        using p_day, p_source_instance_id;
end
$fn$;

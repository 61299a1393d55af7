-- The partitions a day needs (core.device_days, core.patch_status, raw.pages, rollup.daily_counts,
-- rollup.patch_exposure)
-- and its month's rollup.month_end_devices partition, created when missing. Called by publish and
-- the rollups inside their transactions; idempotent. Two sources publishing the same new day at once
-- both see a partition missing and both create it: one that appears between the check and the
-- create is simply there (not an error for a run that was otherwise fine).
create or replace function core.ensure_partitions(p_day date) returns void
language plpgsql as $fn$
declare
    t record;
    suffix text := to_char(p_day, 'YYYYMMDD');
begin
    for t in select v.s, v.n from (values ('core', 'device_days'), ('core', 'patch_status'), ('raw', 'pages'), ('rollup', 'daily_counts'), ('rollup', 'patch_exposure')) as v(s, n) loop
        if to_regclass(format('%I.%I', t.s, t.n || '_' || suffix)) is null then
            begin
                execute format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                    t.s, t.n || '_' || suffix, t.s, t.n, p_day, p_day + 1);
            exception when duplicate_table or unique_violation then
                null; -- created concurrently by another run: nothing to do
            end;
        end if;
    end loop;
    perform rollup.ensure_month_partition(p_day);
end
$fn$;

-- The month's partition of rollup.month_end_devices alone (the month-end rollup needs no daily
-- partitions for the month's first day, which retention would then have to clean up).
create or replace function rollup.ensure_month_partition(p_month date) returns void
language plpgsql as $fn$
declare
    month_start date := date_trunc('month', p_month)::date;
    part text := 'month_end_devices_' || to_char(date_trunc('month', p_month), 'YYYYMM');
begin
    if to_regclass(format('rollup.%I', part)) is null then
        begin
            execute format('CREATE TABLE rollup.%I PARTITION OF rollup.month_end_devices FOR VALUES FROM (%L) TO (%L)',
                part, month_start, (month_start + interval '1 month')::date);
        exception when duplicate_table or unique_violation then
            null; -- created concurrently
        end;
    end if;
end
$fn$;

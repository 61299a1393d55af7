-- Hand-written: drizzle-kit cannot express functions. Two sources publishing the same new day at
-- once both saw the partition missing and both created it; the second failed with "already exists"
-- (an internal error for a run that was otherwise fine). A partition that appears between the
-- check and the CREATE is now simply there. Same for the month-end partition.
CREATE OR REPLACE FUNCTION core.ensure_partitions(p_day date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
  suffix text := to_char(p_day, 'YYYYMMDD');
BEGIN
  FOR t IN SELECT * FROM (VALUES ('core', 'device_days'), ('core', 'patch_status'), ('raw', 'pages'), ('rollup', 'daily_counts')) AS v(s, n) LOOP
    IF to_regclass(format('%I.%I', t.s, t.n || '_' || suffix)) IS NULL THEN
      BEGIN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
          t.s, t.n || '_' || suffix, t.s, t.n, p_day, p_day + 1);
      EXCEPTION WHEN duplicate_table OR unique_violation THEN
        NULL; -- created concurrently by another run: nothing to do
      END;
    END IF;
  END LOOP;
  PERFORM rollup.ensure_month_partition(p_day);
END
$fn$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION rollup.ensure_month_partition(p_month date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  month_start date := date_trunc('month', p_month)::date;
  part text := 'month_end_devices_' || to_char(date_trunc('month', p_month), 'YYYYMM');
BEGIN
  IF to_regclass(format('rollup.%I', part)) IS NULL THEN
    BEGIN
      EXECUTE format('CREATE TABLE rollup.%I PARTITION OF rollup.month_end_devices FOR VALUES FROM (%L) TO (%L)',
        part, month_start, (month_start + interval '1 month')::date);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL; -- created concurrently
    END;
  END IF;
END
$fn$;

-- Hand-written: drizzle-kit cannot express functions. Month-end rows need their month's partition
-- without also creating empty daily partitions for the month's first day (which ensure_partitions
-- did, and which retention then had to clean up). ensure_partitions keeps creating both, for the
-- publish path; month-end materialisation calls this one.
CREATE OR REPLACE FUNCTION rollup.ensure_month_partition(p_month date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  month_start date := date_trunc('month', p_month)::date;
  part text := 'month_end_devices_' || to_char(date_trunc('month', p_month), 'YYYYMM');
BEGIN
  IF to_regclass(format('rollup.%I', part)) IS NULL THEN
    EXECUTE format('CREATE TABLE rollup.%I PARTITION OF rollup.month_end_devices FOR VALUES FROM (%L) TO (%L)',
      part, month_start, (month_start + interval '1 month')::date);
  END IF;
END
$fn$;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION rollup.ensure_month_partition(date) TO warehouse_writer;

CREATE TABLE "rollup"."patch_exposure_days" (
	"snapshot_day" date PRIMARY KEY NOT NULL,
	"computed_at" timestamp with time zone NOT NULL,
	"devices" integer NOT NULL
);
--> statement-breakpoint
-- Hand-written (drizzle-kit cannot express PARTITION BY): each device's patch exposure as of each
-- day, computed by the rollup day by day from the day before (rollups/patch-exposure.ts), so that
-- staging.patch_exposure reads one day's partition instead of windowing over every device's whole
-- history. One row per device that has a patch status row on some retained day up to snapshot_day:
-- status_day is its latest such day (snapshot_day itself, or an earlier one carried over a gap),
-- exposed_since the first day of the run of missing critical patches that row is in (null: none
-- missing, or an unknown count), first_observed_day the first day the rollup saw the device.
-- Partitioned and retained with core.patch_status: core.ensure_partitions creates a day's partition
-- and retention drops it with the day's others, in the same transactions.
CREATE TABLE rollup.patch_exposure (
  site_id integer NOT NULL,
  snapshot_day date NOT NULL,
  device_id bigint NOT NULL,
  status_day date NOT NULL,
  exposed_since date,
  first_observed_day date NOT NULL,
  PRIMARY KEY (site_id, snapshot_day, device_id)
) PARTITION BY RANGE (snapshot_day);

ALTER TABLE "ops"."sync_runs" ADD COLUMN "taken_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "ops"."sync_runs" ADD COLUMN "taken_late" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Runs before this column existed took their data when they started. A past day was not refused then:
-- a run whose snapshot day is before the day it started in (the warehouse's zone) stored the fleet of
-- a later day under it, and is flagged taken late like a run that accepts a past day now.
UPDATE "ops"."sync_runs" AS r SET "taken_at" = r."started_at",
  "taken_late" = coalesce(r."snapshot_day" < (r."started_at" AT TIME ZONE (SELECT st."time_zone" FROM "core"."settings" AS st WHERE st."singleton"))::date, false);

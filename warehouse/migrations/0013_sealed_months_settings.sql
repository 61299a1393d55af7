CREATE TABLE "ops"."billing_seals" (
	"month" date NOT NULL,
	"source_instance_id" integer NOT NULL,
	"device_id" bigint NOT NULL,
	"row_digest" text NOT NULL,
	CONSTRAINT "billing_seals_month_source_instance_id_device_id_pk" PRIMARY KEY("month","source_instance_id","device_id")
);
--> statement-breakpoint
CREATE TABLE "ops"."rollup_requests" (
	"request_id" bigserial PRIMARY KEY NOT NULL,
	"first_day" date NOT NULL,
	"last_day" date NOT NULL,
	"reason" text NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ops"."setting_changes" (
	"change_id" bigserial PRIMARY KEY NOT NULL,
	"setting" text NOT NULL,
	"old_value" text,
	"new_value" text,
	"changed_by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "core"."settings" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"billed_classes" text[] DEFAULT '{workstation,server}'::text[] NOT NULL,
	"stale_after_days" integer DEFAULT 30 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "settings_singleton" CHECK ("core"."settings"."singleton"),
	CONSTRAINT "settings_stale_after_days" CHECK ("core"."settings"."stale_after_days" between 1 and 3650)
);
--> statement-breakpoint
CREATE TABLE "rollup"."closed_month_changes" (
	"month" date NOT NULL,
	"source_instance_id" integer NOT NULL,
	"device_id" bigint NOT NULL,
	"site_id" integer NOT NULL,
	"change" text NOT NULL,
	"vendor_id" text NOT NULL,
	"hostname" text,
	"display_name" text,
	"seat_delta" integer NOT NULL,
	"detail" text NOT NULL,
	"previous_site_id" integer,
	"previous_class" text,
	"previous_status" text,
	"current_site_id" integer,
	"current_class" text,
	"current_status" text,
	"is_stale" boolean NOT NULL,
	"last_contact_at" timestamp with time zone,
	CONSTRAINT "closed_month_changes_month_source_instance_id_device_id_change_pk" PRIMARY KEY("month","source_instance_id","device_id","change")
);
--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "month_end_runs" bigint[];--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "sealed_devices" integer;--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "rows_digest" text;--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "previous_digest" text;--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "digest" text;--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "sealed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ops"."source_days" ADD COLUMN "rolled_up_at" timestamp with time zone;--> statement-breakpoint
-- Hand-written: the one settings row (the server's own zone until a command writes WAREHOUSE_TIMEZONE).
INSERT INTO "core"."settings" ("singleton", "time_zone") VALUES (true, current_setting('TimeZone')) ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- rollup.month_end_devices is partitioned (0001, by hand): new columns reach every partition.
ALTER TABLE "rollup"."month_end_devices" ADD COLUMN "alias_id" integer;--> statement-breakpoint
ALTER TABLE "rollup"."month_end_devices" ADD COLUMN "last_contact_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rollup"."month_end_devices" ADD COLUMN "is_stale" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- Month-ends whose day is still kept learn their devices' organisation and last contact; older ones keep nulls.
UPDATE "rollup"."month_end_devices" AS med SET alias_id = dd.alias_id, last_contact_at = dd.last_contact_at
FROM "core"."device_days" AS dd
WHERE dd.snapshot_day = med.month_end_day AND dd.source_instance_id = med.source_instance_id AND dd.device_id = med.device_id AND dd.site_id = med.site_id;--> statement-breakpoint
-- The billing decision with the policy's billed classes as an argument (the views join core.settings,
-- so the reader role needs no access to it); status and reason side by side so they never disagree.
CREATE FUNCTION core.billing_status(site_is_internal boolean, is_spare boolean, device_class text, billed_classes text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN site_is_internal THEN 'internal'
  WHEN is_spare THEN 'spare'
  WHEN device_class = ANY (billed_classes) THEN 'billable'
  ELSE 'not_billed'
END;--> statement-breakpoint
CREATE FUNCTION core.billing_reason(site_is_internal boolean, is_spare boolean, spare_rule_id text, device_class text, billed_classes text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN site_is_internal THEN 'site is internal (never billed)'
  WHEN is_spare THEN 'spare: ' || coalesce(spare_rule_id, 'rule')
  WHEN device_class = ANY (billed_classes) THEN 'billable ' || device_class
  ELSE 'class ' || device_class || ' is not billed'
END;--> statement-breakpoint
-- The instant a snapshot day ends in the warehouse's time zone (core.settings.time_zone): the views'
-- "as of" for a day, never midnight UTC.
CREATE FUNCTION core.day_end(day date, time_zone text)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ((day + 1)::timestamp AT TIME ZONE time_zone);--> statement-breakpoint
-- A billed device silent for more than stale_after_days at the end of its day: flagged, still billed,
-- for the operator to decide before invoicing. Unknown last contact is not flagged.
CREATE FUNCTION core.is_stale(billing_status text, last_contact_at timestamptz, day date, time_zone text, stale_after_days integer)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(billing_status = 'billable' AND last_contact_at < core.day_end(day, time_zone) - make_interval(days => stale_after_days), false);--> statement-breakpoint
-- The three-argument form of 0012 is superseded (it bills workstations and servers only); kept
-- because views of a database not yet migrated may still call it until the views are re-applied.
COMMENT ON FUNCTION core.billing_status(boolean, boolean, text) IS 'Superseded by core.billing_status(boolean, boolean, text, text[]), which takes the billed classes of core.settings.';
--> statement-breakpoint
-- Days already rolled up count as rolled up now (the rollup used to tell by the daily counts' presence).
UPDATE "ops"."source_days" AS sd SET rolled_up_at = now()
WHERE EXISTS (SELECT 1 FROM "rollup"."daily_counts" AS dc WHERE dc.snapshot_day = sd.snapshot_day AND dc.source_instance_id = sd.source_instance_id);

CREATE TABLE "core"."pmp_db_updates" (
	"source_instance_id" integer NOT NULL,
	"snapshot_day" date NOT NULL,
	"run_id" bigint NOT NULL,
	"fetched_at" timestamp with time zone NOT NULL,
	"last_db_update_status" text,
	"last_db_update_at" timestamp with time zone,
	"next_db_update_at" timestamp with time zone,
	"auto_update_disabled" boolean,
	"fetch_error" text,
	CONSTRAINT "pmp_db_updates_source_instance_id_snapshot_day_pk" PRIMARY KEY("source_instance_id","snapshot_day")
);
--> statement-breakpoint
ALTER TABLE "core"."pmp_db_updates" ADD CONSTRAINT "pmp_db_updates_source_instance_id_source_instances_source_instance_id_fk" FOREIGN KEY ("source_instance_id") REFERENCES "ops"."source_instances"("source_instance_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
-- core.patch_status is partitioned (hand-written in 0001, outside drizzle-kit): the columns are added
-- on the parent and PostgreSQL adds them to every partition. Nullable, no default: no rewrite.
ALTER TABLE "core"."patch_status"
  ADD COLUMN "installed_os" integer,
  ADD COLUMN "installed_third_party" integer,
  ADD COLUMN "installed_driver" integer,
  ADD COLUMN "installed_bios" integer,
  ADD COLUMN "total_os" integer,
  ADD COLUMN "total_third_party" integer,
  ADD COLUMN "total_driver" integer,
  ADD COLUMN "total_bios" integer,
  ADD COLUMN "last_patched_at" timestamp with time zone;
--> statement-breakpoint
-- The per-system picture's thresholds (bi.patch_compliance_device contact_status and risk_level).
-- Only missing rows are inserted, so an operator's values survive upgrades.
INSERT INTO core.compliance_settings (setting, value, unit, description) VALUES
  ('contact_active_days', 7, 'days', 'A device whose agent contacted the server at most this many days ago is active (bi.patch_compliance_device.contact_status).'),
  ('contact_inactive_days', 30, 'days', 'A device whose last agent contact is more than this many days old is inactive; between contact_active_days and this it is stale.'),
  ('risk_critical_min_missing', 1, 'count', 'This many missing critical patches or more make a device''s risk level critical.'),
  ('risk_important_min_missing', 1, 'count', 'This many missing important patches or more make a device''s risk level important (when not critical).'),
  ('risk_moderate_min_missing', 1, 'count', 'This many missing moderate patches or more make a device''s risk level moderate (when not important).'),
  ('risk_low_min_missing', 1, 'count', 'This many missing low or unrated patches or more make a device''s risk level low (when not moderate); fewer, with every count known, is compliant.')
ON CONFLICT (setting) DO NOTHING;

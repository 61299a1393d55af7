CREATE TABLE "core"."current_findings" (
	"site_id" integer NOT NULL,
	"kind" text NOT NULL,
	"subject_key" text NOT NULL,
	"source_instance_id" integer NOT NULL,
	"device_id" bigint,
	"subject_name" text,
	"detail" text NOT NULL,
	CONSTRAINT "current_findings_site_id_kind_subject_key_pk" PRIMARY KEY("site_id","kind","subject_key")
);
--> statement-breakpoint
CREATE TABLE "core"."match_keys" (
	"site_id" integer NOT NULL,
	"device_id" bigint NOT NULL,
	"source_instance_id" integer NOT NULL,
	"source" text NOT NULL,
	"instance" text NOT NULL,
	"vendor_id" text NOT NULL,
	"alias_id" integer NOT NULL,
	"fqdn" text,
	"serial_number" text,
	"mac_addresses" text[] NOT NULL,
	"ip_addresses" text[] NOT NULL,
	"site" text NOT NULL,
	"is_unmapped" boolean NOT NULL,
	"alias_external_id" text,
	"namespace" text NOT NULL,
	"hostname" text,
	"display_name" text,
	"subject_name" text,
	"device_class" text NOT NULL,
	"billing_status" text NOT NULL,
	"is_spare" boolean NOT NULL,
	"spare_rule_id" text,
	"host_key" text,
	"serial_key" text,
	"mac_keys" text[] NOT NULL,
	"ip_keys" text[] NOT NULL,
	"source_role" text,
	"vendor_name" text NOT NULL,
	"mac_hashes" text[] NOT NULL,
	CONSTRAINT "match_keys_site_id_device_id_pk" PRIMARY KEY("site_id","device_id")
);
--> statement-breakpoint
ALTER TABLE "core"."device_matches" ALTER COLUMN "snapshot_day" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "core"."device_matches" ALTER COLUMN "evaluated_on" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "ops"."exception_refreshes" ADD COLUMN "mode" text DEFAULT 'full' NOT NULL;--> statement-breakpoint
ALTER TABLE "ops"."exception_refreshes" ADD COLUMN "basis" text;--> statement-breakpoint
ALTER TABLE "ops"."exception_refreshes" ADD COLUMN "changed" integer;--> statement-breakpoint
ALTER TABLE "ops"."exception_refreshes" ADD COLUMN "rematched" integer;--> statement-breakpoint
CREATE INDEX "current_findings_device_id_index" ON "core"."current_findings" USING btree ("device_id");--> statement-breakpoint
CREATE INDEX "match_keys_host_prefix_index" ON "core"."match_keys" USING btree (left("host_key", 15));--> statement-breakpoint
CREATE INDEX "match_keys_serial_md5_index" ON "core"."match_keys" USING btree (md5("serial_key"));--> statement-breakpoint
CREATE INDEX "match_keys_mac_hashes_index" ON "core"."match_keys" USING gin ("mac_hashes") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "match_keys_host_md5_index" ON "core"."match_keys" USING btree ("source_instance_id",md5("host_key"));--> statement-breakpoint
CREATE INDEX "match_keys_device_id_index" ON "core"."match_keys" USING btree ("device_id");--> statement-breakpoint
UPDATE "core"."device_matches" SET "snapshot_day" = NULL, "evaluated_on" = NULL;

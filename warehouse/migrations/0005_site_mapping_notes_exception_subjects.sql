ALTER TABLE "core"."exceptions" ADD COLUMN "source_instance_id" integer;--> statement-breakpoint
ALTER TABLE "core"."exceptions" ADD COLUMN "subject_name" text;--> statement-breakpoint
ALTER TABLE "core"."site_aliases" ADD COLUMN "normalized_name" text;--> statement-breakpoint
ALTER TABLE "core"."site_aliases" ADD COLUMN "mapping_note" text;--> statement-breakpoint
ALTER TABLE "core"."site_aliases" ADD COLUMN "mapped_at" timestamp with time zone;
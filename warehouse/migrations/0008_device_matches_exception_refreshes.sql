CREATE TABLE "ops"."exception_refreshes" (
	"refresh_id" bigserial PRIMARY KEY NOT NULL,
	"as_of" date NOT NULL,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"judged" text[] NOT NULL,
	"opened" integer NOT NULL,
	"reopened" integer NOT NULL,
	"resolved" integer NOT NULL,
	"removed" integer NOT NULL,
	"open" integer NOT NULL,
	"acknowledged" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "core"."device_matches" (
	"site_id" integer NOT NULL,
	"device_id" bigint NOT NULL,
	"source_instance_id" integer NOT NULL,
	"snapshot_day" date NOT NULL,
	"evaluated_on" date NOT NULL,
	"billing_status" text NOT NULL,
	"is_spare" boolean NOT NULL,
	"host_key" text,
	"rmm_device_id" bigint,
	"rmm_site_id" integer,
	"match_rule" text,
	"ambiguity" text,
	CONSTRAINT "device_matches_site_id_device_id_pk" PRIMARY KEY("site_id","device_id")
);
--> statement-breakpoint
CREATE INDEX "exception_refreshes_as_of_index" ON "ops"."exception_refreshes" USING btree ("as_of");--> statement-breakpoint
CREATE INDEX "device_matches_rmm_device_id_index" ON "core"."device_matches" USING btree ("rmm_device_id");
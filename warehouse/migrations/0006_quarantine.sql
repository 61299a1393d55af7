CREATE TABLE "ops"."quarantine" (
	"quarantine_id" bigserial PRIMARY KEY NOT NULL,
	"run_id" bigint NOT NULL,
	"stream" text NOT NULL,
	"vendor_id" text,
	"reason" text NOT NULL,
	"payload" jsonb NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ops"."quarantine" ADD CONSTRAINT "quarantine_run_id_sync_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "ops"."sync_runs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "quarantine_run_id_index" ON "ops"."quarantine" USING btree ("run_id");
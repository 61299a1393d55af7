CREATE TABLE "ops"."retention_pending_days" (
	"snapshot_day" date PRIMARY KEY NOT NULL,
	"reason" text NOT NULL,
	"first_deferred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_tried_at" timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE "core"."compliance_rules" (
	"rule_id" text PRIMARY KEY NOT NULL,
	"framework" text NOT NULL,
	"check_description" text NOT NULL,
	"metric" text NOT NULL,
	"comparator" text NOT NULL,
	"threshold" numeric NOT NULL,
	"unit" text NOT NULL,
	"severity" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"note" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "compliance_rules_comparator" CHECK ("core"."compliance_rules"."comparator" in ('<', '<=', '=', '>=', '>')),
	CONSTRAINT "compliance_rules_severity" CHECK ("core"."compliance_rules"."severity" in ('critical', 'high', 'medium', 'low'))
);
--> statement-breakpoint
CREATE TABLE "core"."compliance_settings" (
	"setting" text PRIMARY KEY NOT NULL,
	"value" numeric NOT NULL,
	"unit" text NOT NULL,
	"description" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);

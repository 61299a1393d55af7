CREATE TABLE "core"."source_roles" (
	"source" text PRIMARY KEY NOT NULL,
	"role" text NOT NULL,
	"vendor" text NOT NULL,
	"reports_patches" boolean DEFAULT false NOT NULL,
	CONSTRAINT "source_roles_role_unique" UNIQUE("role"),
	CONSTRAINT "source_roles_role" CHECK ("core"."source_roles"."role" in ('rmm', 'allowlisting', 'patching'))
);
--> statement-breakpoint
-- Hand-written: the roles of the sources the collectors know (what the views named by hand before).
INSERT INTO "core"."source_roles" ("source", "role", "vendor", "reports_patches") VALUES
  ('ninjaone', 'rmm', 'NinjaOne', true),
  ('threatlocker', 'allowlisting', 'ThreatLocker', false),
  ('pmp', 'patching', 'Patch Manager Plus', true)
ON CONFLICT ("source") DO NOTHING;

ALTER TABLE "ops"."billing_months" ADD COLUMN "policy_billed_classes" text[];--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "policy_stale_after_days" integer;--> statement-breakpoint
ALTER TABLE "ops"."billing_months" ADD COLUMN "policy_spare_rules" text[];
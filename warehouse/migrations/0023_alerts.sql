CREATE TABLE "core"."alert_conditions" (
	"condition" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"threshold" numeric,
	"unit" text NOT NULL,
	"description" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_conditions_threshold" CHECK ("core"."alert_conditions"."threshold" is null or "core"."alert_conditions"."threshold" >= 0),
	CONSTRAINT "alert_conditions_known" CHECK (condition in ('source_failures', 'estate_pass_rate', 'critical_missing', 'database_size', 'new_finding'))
);
--> statement-breakpoint
CREATE TABLE "ops"."alerts" (
	"alert_id" bigserial PRIMARY KEY NOT NULL,
	"condition" text NOT NULL,
	"subject_key" text NOT NULL,
	"subject" text NOT NULL,
	"detail" text NOT NULL,
	"value" numeric,
	"threshold" numeric,
	"status" text DEFAULT 'open' NOT NULL,
	"first_seen_on" date NOT NULL,
	"last_seen_on" date NOT NULL,
	"resolved_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"notified_at" timestamp with time zone,
	"notify_attempts" integer DEFAULT 0 NOT NULL,
	"notify_error" text,
	CONSTRAINT "alerts_status" CHECK ("ops"."alerts"."status" in ('open', 'resolved'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_open_key" ON "ops"."alerts" USING btree ("condition","subject_key") WHERE "ops"."alerts"."status" = 'open';--> statement-breakpoint
CREATE INDEX "alerts_status_index" ON "ops"."alerts" USING btree ("status");--> statement-breakpoint
-- The defaults (README, "Alerts"). Only missing rows are inserted: an operator's threshold survives upgrades.
INSERT INTO core.alert_conditions (condition, enabled, threshold, unit, description) VALUES
  ('source_failures', true, 3, 'runs', 'A source instance''s consecutive failed or refused runs since its last success reach the threshold (>=).'),
  ('estate_pass_rate', true, 70, 'percent', 'The share of the estate''s decided compliance checks that pass (bi.compliance_checks, scope estate, each patch source''s latest day; unknown verdicts left out) is under the threshold (<).'),
  ('critical_missing', true, 20, 'patches', 'Distinct critical patches missing across the estate (metric critical_count, scope estate, each patch source''s latest day, its lowest value consistent with the data) exceed the threshold (>).'),
  ('database_size', true, 50, 'GiB', 'The warehouse database (pg_database_size) is larger than the threshold in GiB (>).'),
  ('new_finding', true, NULL, 'none', 'A cross-vendor finding (bi.exceptions) is open and not acknowledged: raised once when it opens, resolved when it is acknowledged or resolved.')
ON CONFLICT (condition) DO NOTHING;
--> statement-breakpoint
-- Who changed which alert threshold or flag, and from what, whatever made the change (psql, a BI tool).
CREATE FUNCTION core.record_alert_condition_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.threshold IS DISTINCT FROM OLD.threshold THEN
    INSERT INTO ops.setting_changes (setting, old_value, new_value, changed_by)
    VALUES ('alert_conditions.' || NEW.condition || '.threshold', OLD.threshold::text, NEW.threshold::text, core.compliance_changed_by());
  END IF;
  IF NEW.enabled IS DISTINCT FROM OLD.enabled THEN
    INSERT INTO ops.setting_changes (setting, old_value, new_value, changed_by)
    VALUES ('alert_conditions.' || NEW.condition || '.enabled', OLD.enabled::text, NEW.enabled::text, core.compliance_changed_by());
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER alert_conditions_changes BEFORE UPDATE ON core.alert_conditions
  FOR EACH ROW EXECUTE FUNCTION core.record_alert_condition_change();

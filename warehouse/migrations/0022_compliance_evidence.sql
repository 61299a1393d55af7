CREATE TABLE "ops"."compliance_rule_changes" (
	"change_id" bigserial PRIMARY KEY NOT NULL,
	"rule_id" text NOT NULL,
	"site_id" integer,
	"action" text NOT NULL,
	"rule_version" integer NOT NULL,
	"old_threshold" numeric,
	"new_threshold" numeric,
	"old_comparator" text,
	"new_comparator" text,
	"old_enabled" boolean,
	"new_enabled" boolean,
	"changed_by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollup"."month_end_compliance" (
	"month" date NOT NULL,
	"source" text NOT NULL,
	"scope" text NOT NULL,
	"site_id" integer,
	"rule_id" text NOT NULL,
	"month_end_day" date NOT NULL,
	"rule_version" integer NOT NULL,
	"framework" text NOT NULL,
	"check_description" text NOT NULL,
	"severity" text NOT NULL,
	"metric" text NOT NULL,
	"value_min" numeric,
	"value_max" numeric,
	"denominator" numeric,
	"comparator" text NOT NULL,
	"threshold" numeric NOT NULL,
	"unit" text NOT NULL,
	"enabled" boolean NOT NULL,
	"threshold_source" text NOT NULL,
	"passed" boolean,
	"status" text NOT NULL,
	"reason" text,
	"not_evaluable_reason" text,
	"range_note" text,
	"basis" text NOT NULL,
	"devices_total" integer NOT NULL,
	"devices_in_scope" integer NOT NULL,
	"devices_undecided" integer,
	"rule_note" text,
	"materialised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"judged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "month_end_compliance_key" UNIQUE NULLS NOT DISTINCT("month","source","scope","site_id","rule_id"),
	CONSTRAINT "month_end_compliance_status" CHECK ("rollup"."month_end_compliance"."status" in ('pass', 'fail', 'unknown')),
	CONSTRAINT "month_end_compliance_threshold_source" CHECK ("rollup"."month_end_compliance"."threshold_source" in ('rule', 'site override'))
);
--> statement-breakpoint
CREATE TABLE "core"."compliance_site_overrides" (
	"rule_id" text NOT NULL,
	"site_id" integer NOT NULL,
	"threshold" numeric,
	"enabled" boolean,
	"note" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "compliance_site_overrides_rule_id_site_id_pk" PRIMARY KEY("rule_id","site_id"),
	CONSTRAINT "compliance_site_overrides_something" CHECK ("core"."compliance_site_overrides"."threshold" is not null or "core"."compliance_site_overrides"."enabled" is not null)
);
--> statement-breakpoint
ALTER TABLE "core"."compliance_rules" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "core"."compliance_site_overrides" ADD CONSTRAINT "compliance_site_overrides_rule_id_compliance_rules_rule_id_fk" FOREIGN KEY ("rule_id") REFERENCES "core"."compliance_rules"("rule_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "core"."compliance_site_overrides" ADD CONSTRAINT "compliance_site_overrides_site_id_sites_site_id_fk" FOREIGN KEY ("site_id") REFERENCES "core"."sites"("site_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "compliance_rule_changes_rule_id_at_index" ON "ops"."compliance_rule_changes" USING btree ("rule_id","at");--> statement-breakpoint
CREATE INDEX "month_end_compliance_rule_id_site_id_month_index" ON "rollup"."month_end_compliance" USING btree ("rule_id","site_id","month");--> statement-breakpoint
-- Hand-written from here on: what drizzle-kit cannot express.
--
-- How a metric's range is judged against a threshold: a range passes only when every value in it
-- passes and fails only when every value fails; null (undecided) otherwise. One definition for
-- bi.compliance_checks (through staging.compliance_verdicts) and for re-judging stored month-end
-- evidence whose dailies are gone, so both always agree. value_max null means unbounded.
CREATE FUNCTION core.compliance_passed(value_min numeric, value_max numeric, comparator text, threshold numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN value_min IS NULL THEN NULL
    WHEN comparator = '=' THEN
      CASE WHEN value_min = threshold AND value_max = threshold THEN true WHEN value_min > threshold OR value_max < threshold THEN false END
    WHEN comparator = '<=' THEN CASE WHEN value_max <= threshold THEN true WHEN value_min > threshold THEN false END
    WHEN comparator = '<' THEN CASE WHEN value_max < threshold THEN true WHEN value_min >= threshold THEN false END
    WHEN comparator = '>=' THEN CASE WHEN value_min >= threshold THEN true WHEN value_max < threshold THEN false END
    WHEN comparator = '>' THEN CASE WHEN value_min > threshold THEN true WHEN value_max <= threshold THEN false END
  END
$$;
--> statement-breakpoint
-- Why a verdict is unknown (null when it is not).
CREATE FUNCTION core.compliance_reason(not_evaluable_reason text, passed boolean, value_min numeric, value_max numeric, uncertainty text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN not_evaluable_reason IS NOT NULL THEN not_evaluable_reason
    WHEN passed IS NULL THEN 'undecided: the value lies between ' || value_min || ' and '
      || coalesce(value_max::text, 'an unknown maximum') || ' because ' || uncertainty
  END
$$;
--> statement-breakpoint
-- Who changed a compliance setting: the database role, and the operator the CLI names in the
-- transaction (set_config('warehouse.operator', ..., true)) when there is one.
CREATE FUNCTION core.compliance_changed_by() RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT current_user || coalesce(' (' || nullif(current_setting('warehouse.operator', true), '') || ')', '')
$$;
--> statement-breakpoint
-- A changed setting re-judges every open month-end on the next rollup: one rollup request per open
-- month, for its month-end day only (so only that day's daily counts are re-rolled). Closed months
-- are left alone: they keep the verdicts stored when they closed.
CREATE FUNCTION core.request_compliance_rejudge(why text) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO ops.rollup_requests (first_day, last_day, reason)
  SELECT max(me.month_end_day), max(me.month_end_day), why
  FROM rollup.month_ends AS me
  WHERE NOT EXISTS (SELECT 1 FROM ops.billing_months AS bm WHERE bm.month = me.month)
  GROUP BY me.month
$$;
--> statement-breakpoint
CREATE FUNCTION core.compliance_rule_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.threshold, NEW.comparator, NEW.enabled) IS NOT DISTINCT FROM (OLD.threshold, OLD.comparator, OLD.enabled) THEN
    RETURN NEW;
  END IF;
  NEW.version := OLD.version + 1;
  NEW.updated_at := now();
  INSERT INTO ops.compliance_rule_changes (rule_id, site_id, action, rule_version, old_threshold, new_threshold,
    old_comparator, new_comparator, old_enabled, new_enabled, changed_by)
  VALUES (NEW.rule_id, NULL, 'rule changed', NEW.version, OLD.threshold, NEW.threshold,
    OLD.comparator, NEW.comparator, OLD.enabled, NEW.enabled, core.compliance_changed_by());
  PERFORM core.request_compliance_rejudge('compliance rule ' || NEW.rule_id || ' changed');
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER compliance_rules_history BEFORE UPDATE ON core.compliance_rules
  FOR EACH ROW EXECUTE FUNCTION core.compliance_rule_changed();
--> statement-breakpoint
CREATE FUNCTION core.compliance_override_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  rule text := coalesce(NEW.rule_id, OLD.rule_id);
  site integer := coalesce(NEW.site_id, OLD.site_id);
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.threshold, NEW.enabled) IS NOT DISTINCT FROM (OLD.threshold, OLD.enabled) THEN
    RETURN NULL;
  END IF;
  INSERT INTO ops.compliance_rule_changes (rule_id, site_id, action, rule_version, old_threshold, new_threshold,
    old_enabled, new_enabled, changed_by)
  VALUES (rule, site,
    CASE TG_OP WHEN 'INSERT' THEN 'override set' WHEN 'UPDATE' THEN 'override changed' ELSE 'override cleared' END,
    coalesce((SELECT r.version FROM core.compliance_rules AS r WHERE r.rule_id = rule), 0),
    CASE WHEN TG_OP <> 'INSERT' THEN OLD.threshold END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.threshold END,
    CASE WHEN TG_OP <> 'INSERT' THEN OLD.enabled END, CASE WHEN TG_OP <> 'DELETE' THEN NEW.enabled END,
    core.compliance_changed_by());
  PERFORM core.request_compliance_rejudge('compliance override of ' || rule || ' for site ' || site || ' changed');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER compliance_site_overrides_history AFTER INSERT OR UPDATE OR DELETE ON core.compliance_site_overrides
  FOR EACH ROW EXECUTE FUNCTION core.compliance_override_changed();

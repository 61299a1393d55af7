CREATE TABLE "rollup"."month_end_sites" (
	"site_id" integer NOT NULL,
	"month" date NOT NULL,
	"source_instance_id" integer NOT NULL,
	"workstations" integer NOT NULL,
	"servers" integer NOT NULL,
	"spares" integer NOT NULL,
	"billable" integer NOT NULL,
	"total" integer NOT NULL,
	"previous_billable" integer,
	CONSTRAINT "month_end_sites_site_id_month_source_instance_id_pk" PRIMARY KEY("site_id","month","source_instance_id")
);
--> statement-breakpoint
CREATE INDEX "month_end_sites_month_source_instance_id_index" ON "rollup"."month_end_sites" USING btree ("month","source_instance_id");--> statement-breakpoint
-- Existing month-ends, derived as rollups/month-end.ts (deriveMonthEndSites) does for each month.
INSERT INTO "rollup"."month_end_sites" (site_id, month, source_instance_id, workstations, servers, spares, billable, total, previous_billable)
SELECT c.site_id, me.month, me.source_instance_id,
  coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable' AND c.device_class = 'workstation'), 0),
  coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable' AND c.device_class = 'server'), 0),
  coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'spare'), 0),
  coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable'), 0),
  coalesce(sum(c.devices) FILTER (WHERE c.month = me.month), 0),
  CASE WHEN bool_or(c.month < me.month)
    THEN coalesce(sum(c.devices) FILTER (WHERE c.month < me.month AND c.billing_status = 'billable'), 0) END
FROM "rollup"."month_ends" AS me
INNER JOIN "rollup"."month_end_counts" AS c
  ON c.source_instance_id = me.source_instance_id AND c.month IN (me.month, (me.month - interval '1 month')::date)
GROUP BY c.site_id, me.month, me.source_instance_id;

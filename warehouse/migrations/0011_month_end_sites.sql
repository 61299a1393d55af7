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
-- One month's rows from the site-level counts of that month and the month before (rollups/month-end.ts
-- calls it with each month-end): every site with devices of the source at either month-end gets a row,
-- so a site that lost all its devices shows zeros; previous_billable is null when it had none before.
CREATE FUNCTION rollup.derive_month_end_sites(first_day date) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM rollup.month_end_sites WHERE month = first_day;
  INSERT INTO rollup.month_end_sites (site_id, month, source_instance_id, workstations, servers, spares, billable, total, previous_billable)
  SELECT c.site_id, me.month, me.source_instance_id,
    coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable' AND c.device_class = 'workstation'), 0),
    coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable' AND c.device_class = 'server'), 0),
    coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'spare'), 0),
    coalesce(sum(c.devices) FILTER (WHERE c.month = me.month AND c.billing_status = 'billable'), 0),
    coalesce(sum(c.devices) FILTER (WHERE c.month = me.month), 0),
    CASE WHEN bool_or(c.month < me.month)
      THEN coalesce(sum(c.devices) FILTER (WHERE c.month < me.month AND c.billing_status = 'billable'), 0) END
  FROM rollup.month_ends AS me
  INNER JOIN rollup.month_end_counts AS c
    ON c.source_instance_id = me.source_instance_id AND c.month IN (me.month, (me.month - interval '1 month')::date)
  WHERE me.month = first_day
  GROUP BY c.site_id, me.month, me.source_instance_id;
$$;
--> statement-breakpoint
-- Existing month-ends, oldest first (each month's previous_billable reads the month before's counts).
SELECT rollup.derive_month_end_sites(m.month) FROM (SELECT DISTINCT month FROM rollup.month_ends ORDER BY month) AS m;

-- Hand-written because drizzle-kit cannot express these: range-partitioned tables (retention drops a
-- day or a month by dropping its partition, never by scanning or rewriting what is kept), the
-- function that creates partitions on demand, the roles and grants, and the default data the
-- warehouse needs before the first run (the explicit "unmapped" site and the MSP's spare rules).
CREATE SCHEMA IF NOT EXISTS raw;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS staging;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS bi;
--> statement-breakpoint
CREATE TABLE core.device_days (
  site_id integer NOT NULL,
  snapshot_day date NOT NULL,
  device_id bigint NOT NULL,
  source_instance_id integer NOT NULL,
  alias_id integer NOT NULL,
  run_id bigint NOT NULL,
  vendor_id text NOT NULL,
  location_name text,
  display_name text,
  hostname text,
  fqdn text,
  serial_number text,
  mac_addresses text[] NOT NULL,
  ip_addresses text[] NOT NULL,
  os_name text,
  os_build text,
  vendor_class text,
  device_class text NOT NULL,
  is_spare boolean NOT NULL,
  spare_rule_id text,
  online boolean,
  last_contact_at timestamptz,
  last_user text,
  agent_version text,
  extras jsonb NOT NULL,
  PRIMARY KEY (site_id, snapshot_day, device_id)
) PARTITION BY RANGE (snapshot_day);
--> statement-breakpoint
CREATE INDEX device_days_source_idx ON core.device_days (snapshot_day, source_instance_id);
--> statement-breakpoint
CREATE TABLE core.patch_status (
  site_id integer NOT NULL,
  snapshot_day date NOT NULL,
  device_id bigint NOT NULL,
  source_instance_id integer NOT NULL,
  run_id bigint NOT NULL,
  missing_critical integer,
  missing_important integer,
  missing_moderate integer,
  missing_low integer,
  missing_unrated integer,
  missing_os integer,
  missing_third_party integer,
  missing_driver integer,
  missing_bios integer,
  installed_count integer,
  last_scan_at timestamptz,
  last_successful_scan_at timestamptz,
  scan_status text,
  health_status text,
  PRIMARY KEY (site_id, snapshot_day, device_id)
) PARTITION BY RANGE (snapshot_day);
--> statement-breakpoint
CREATE INDEX patch_status_source_idx ON core.patch_status (snapshot_day, source_instance_id);
--> statement-breakpoint
CREATE TABLE raw.pages (
  snapshot_day date NOT NULL,
  run_id bigint NOT NULL,
  stream text NOT NULL,
  page_no integer NOT NULL,
  fetched_at timestamptz NOT NULL,
  payload jsonb NOT NULL
) PARTITION BY RANGE (snapshot_day);
--> statement-breakpoint
CREATE INDEX raw_pages_run_idx ON raw.pages (run_id, stream, page_no);
--> statement-breakpoint
CREATE TABLE rollup.daily_counts (
  site_id integer NOT NULL,
  snapshot_day date NOT NULL,
  source_instance_id integer NOT NULL,
  device_class text NOT NULL,
  billing_status text NOT NULL,
  devices integer NOT NULL,
  PRIMARY KEY (site_id, snapshot_day, source_instance_id, device_class, billing_status)
) PARTITION BY RANGE (snapshot_day);
--> statement-breakpoint
CREATE TABLE rollup.month_end_devices (
  site_id integer NOT NULL,
  month date NOT NULL,
  source_instance_id integer NOT NULL,
  device_id bigint NOT NULL,
  month_end_day date NOT NULL,
  vendor_id text NOT NULL,
  display_name text,
  hostname text,
  device_class text NOT NULL,
  billing_status text NOT NULL,
  reason text NOT NULL,
  spare_rule_id text,
  PRIMARY KEY (site_id, month, source_instance_id, device_id)
) PARTITION BY RANGE (month);
--> statement-breakpoint
-- Creates the day's partitions (and the month's for month-end rows) if they do not exist yet.
-- Called by publish and rollup inside their transactions; idempotent.
CREATE OR REPLACE FUNCTION core.ensure_partitions(p_day date) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
  month_start date := date_trunc('month', p_day)::date;
  suffix text := to_char(p_day, 'YYYYMMDD');
BEGIN
  FOR t IN SELECT * FROM (VALUES ('core', 'device_days'), ('core', 'patch_status'), ('raw', 'pages'), ('rollup', 'daily_counts')) AS v(s, n) LOOP
    IF to_regclass(format('%I.%I', t.s, t.n || '_' || suffix)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
        t.s, t.n || '_' || suffix, t.s, t.n, p_day, p_day + 1);
    END IF;
  END LOOP;
  IF to_regclass(format('rollup.%I', 'month_end_devices_' || to_char(month_start, 'YYYYMM'))) IS NULL THEN
    EXECUTE format('CREATE TABLE rollup.%I PARTITION OF rollup.month_end_devices FOR VALUES FROM (%L) TO (%L)',
      'month_end_devices_' || to_char(month_start, 'YYYYMM'), month_start, (month_start + interval '1 month')::date);
  END IF;
END
$fn$;
--> statement-breakpoint
INSERT INTO core.sites (name, normalized_name, is_unmapped) VALUES ('(unmapped)', '(unmapped)', true)
ON CONFLICT (name) DO NOTHING;
--> statement-breakpoint
INSERT INTO core.spare_rules (rule_id, priority, field, pattern, source, description) VALUES
  ('name_contains_spare', 10, 'display_name', '%spare%', NULL, 'The display name contains "spare" (case-insensitive)'),
  ('location_contains_spare', 20, 'location', '%spare%', NULL, 'The location (ThreatLocker: computer group; PMP: branch office) contains "spare"'),
  ('ninjaone_vmware_guest', 30, 'vendor_class', 'VMWARE\_VM\_GUEST', 'ninjaone', 'NinjaOne node class VMWARE_VM_GUEST (guests discovered through vCenter are not billed)')
ON CONFLICT (rule_id) DO NOTHING;
--> statement-breakpoint
-- Roles are cluster-wide, so create them only when missing (several warehouses, or test databases,
-- may share one server). NOLOGIN: operators grant membership to their own login roles.
DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'warehouse_reader') THEN
    CREATE ROLE warehouse_reader NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'warehouse_writer') THEN
    CREATE ROLE warehouse_writer NOLOGIN;
  END IF;
END
$roles$;
--> statement-breakpoint
REVOKE ALL ON SCHEMA core, ops, raw, rollup, staging FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA bi TO warehouse_reader;
--> statement-breakpoint
GRANT USAGE, CREATE ON SCHEMA core, ops, raw, rollup, staging, bi TO warehouse_writer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA core, ops, raw, rollup TO warehouse_writer;
--> statement-breakpoint
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA core, ops, raw, rollup TO warehouse_writer;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION core.ensure_partitions(date) TO warehouse_writer;

CREATE SCHEMA "run";
--> statement-breakpoint
-- Run-scoped work tables move out of `staging` (which keeps the intermediate views): the writer
-- creates and drops them, the reader never sees them. Tables a killed run left in `staging` are
-- swept from there by the next sweep (warehouse/load/staging.ts).
REVOKE ALL ON SCHEMA run FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE, CREATE ON SCHEMA run TO warehouse_writer;

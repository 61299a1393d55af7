ALTER TABLE "core"."sites" DROP CONSTRAINT "sites_name_unique";--> statement-breakpoint
DROP INDEX "core"."sites_normalized_name_index";--> statement-breakpoint
CREATE UNIQUE INDEX "sites_name_key" ON "core"."sites" USING btree (md5("name"));--> statement-breakpoint
CREATE INDEX "sites_normalized_name_key" ON "core"."sites" USING btree (md5("normalized_name"));
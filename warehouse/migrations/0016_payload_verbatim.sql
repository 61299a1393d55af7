ALTER TABLE "ops"."quarantine" ADD COLUMN "payload_verbatim" text;--> statement-breakpoint
-- raw.pages is partitioned (hand-written in 0001); the column reaches every partition.
ALTER TABLE raw.pages ADD COLUMN payload_verbatim text;--> statement-breakpoint
COMMENT ON COLUMN raw.pages.payload IS 'The vendor page as jsonb. jsonb cannot hold NUL (\u0000) or lone UTF-16 surrogates, so those are replaced by U+FFFD here; payload_verbatim then holds the exact page.';--> statement-breakpoint
COMMENT ON COLUMN raw.pages.payload_verbatim IS 'The page''s exact JSON text (NUL and lone surrogates as JSON escapes \u0000 and \udXXX), set only when payload had to be cleaned; null means payload is the page unchanged. Read coalesce(payload_verbatim, payload::text) for the page as received.';--> statement-breakpoint
COMMENT ON COLUMN ops.quarantine.payload IS 'The quarantined record as jsonb, with NUL and lone UTF-16 surrogates replaced by U+FFFD; payload_verbatim then holds the exact record.';--> statement-breakpoint
COMMENT ON COLUMN ops.quarantine.payload_verbatim IS 'The record''s exact JSON text when payload had to be cleaned (NUL and lone surrogates as JSON escapes); null means payload is the record unchanged.';

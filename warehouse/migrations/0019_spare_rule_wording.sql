-- The rule matches the display name or, for a device without one, its host name (publish.ts
-- SPARE_FIELDS): say so, where an operator reads it (bi.billing_policy). Only the shipped wording is
-- replaced; an operator's own description stays.
UPDATE core.spare_rules
SET description = 'The display name (or, without one, the host name) contains "spare" (case-insensitive)'
WHERE rule_id = 'name_contains_spare'
  AND description = 'The display name contains "spare" (case-insensitive)';

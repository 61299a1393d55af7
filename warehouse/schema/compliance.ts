/**
 * Compliance rules as data (compliance-frameworks.md): each rule names a metric that the views compute
 * per site and for the whole estate (views/staging/compliance_metrics.sql), a comparator and a
 * threshold. Operators change thresholds with UPDATE; the seed migration only inserts missing rows, so
 * their changes survive upgrades. Small reference tables (DESIGN.md §11).
 */
import { sql } from 'drizzle-orm';
import { boolean, check, numeric, text } from 'drizzle-orm/pg-core';
import { updatedAt } from './_columns.js';
import { core } from './core.js';

/** The metrics views/staging/compliance_metrics.sql computes; adding one there means adding it here. */
export const COMPLIANCE_METRICS = [
  'critical_count', 'important_count', 'moderate_count', 'low_count', 'unrated_count', 'highly_vulnerable_pct',
  'healthy_pct', 'scanned_pct', 'unscanned_systems', 'scan_success_pct', 'scanned_within_window_pct',
  'vuln_db_age_days', 'apd_tasks', 'os_patches_over_30d',
] as const;

export const complianceRules = core.table('compliance_rules', {
  ruleId: text().primaryKey(),
  framework: text().notNull(),
  /** What the rule checks, in the framework's words. */
  checkDescription: text().notNull(),
  /** The metric it reads: one of the names staging.compliance_metrics computes. */
  metric: text().notNull(),
  comparator: text().notNull(),
  threshold: numeric().notNull(),
  /** count | percent | days */
  unit: text().notNull(),
  /** critical | high | medium | low */
  severity: text().notNull(),
  enabled: boolean().notNull().default(true),
  /** Caveats an auditor should read with the result. */
  note: text(),
  updatedAt: updatedAt(),
}, (t) => [
  check('compliance_rules_comparator', sql`${t.comparator} in ('<', '<=', '=', '>=', '>')`),
  check('compliance_rules_severity', sql`${t.severity} in ('critical', 'high', 'medium', 'low')`),
  // A typo in a rule's metric is refused here rather than reported as unknown forever.
  check('compliance_rules_metric', sql.raw(`metric in (${COMPLIANCE_METRICS.map((m) => `'${m}'`).join(', ')})`)),
]);

/** Numeric knobs of the compliance views (the stale window, the scan window). */
export const complianceSettings = core.table('compliance_settings', {
  setting: text().primaryKey(),
  value: numeric().notNull(),
  unit: text().notNull(),
  description: text().notNull(),
  updatedAt: updatedAt(),
});

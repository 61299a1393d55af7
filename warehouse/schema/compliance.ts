/**
 * Compliance rules as data (compliance-frameworks.md): each rule names a metric that the views compute
 * per site and for the whole estate (views/staging/compliance_metrics.sql), a comparator and a
 * threshold. Operators change thresholds with UPDATE; the seed migration only inserts missing rows, so
 * their changes survive upgrades. Small reference tables (DESIGN.md §11).
 *
 * A change of a rule's threshold, comparator or enabled flag (and any site override) is recorded by a
 * trigger (migration 0021) in ops.compliance_rule_changes, raises the rule's version and asks the next
 * rollup to re-judge the open month-ends; closed months keep the verdicts stored when they closed.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, integer, numeric, primaryKey, text } from 'drizzle-orm/pg-core';
import { updatedAt } from './_columns.js';
import { core, sites } from './core.js';

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
  /** Raised by the trigger on every change of threshold, comparator or enabled (month-end evidence names it). */
  version: integer().notNull().default(1),
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

/**
 * A client held to a different contract: one site's threshold or enabled flag for one rule. Null
 * keeps the rule's own. bi.compliance_checks and the month-end evidence use it for that site only
 * (threshold_source 'site override'); the estate is always judged by the rule.
 */
export const complianceSiteOverrides = core.table('compliance_site_overrides', {
  ruleId: text().notNull().references(() => complianceRules.ruleId, { onDelete: 'cascade' }),
  siteId: integer().notNull().references(() => sites.siteId, { onDelete: 'cascade' }),
  threshold: numeric(),
  enabled: boolean(),
  /** Why the client differs (the contract, a ticket). */
  note: text(),
  updatedAt: updatedAt(),
}, (t) => [
  primaryKey({ columns: [t.ruleId, t.siteId] }),
  check('compliance_site_overrides_something', sql`${t.threshold} is not null or ${t.enabled} is not null`),
]);

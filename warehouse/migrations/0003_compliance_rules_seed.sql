-- Hand-written because it is seed data, not schema: the compliance rules of
-- reference/compliance-frameworks.md (part 1, the rules users asked for by name, with their default
-- thresholds) plus two per-device Essential Eight requirements of part 2 (one evaluable, one that the
-- data cannot decide and therefore always reports unknown), and the settings the compliance views
-- read. ON CONFLICT DO NOTHING: an operator's UPDATE of a threshold is never overwritten.
INSERT INTO core.compliance_rules (rule_id, framework, check_description, metric, comparator, threshold, unit, severity, note) VALUES
  ('e8.critical_patches', 'Essential Eight ML2/3', 'missing critical patches', 'critical_count', '<=', 5, 'count', 'critical',
   'Distinct patches. Per site the warehouse knows only per-device counts, which bound the distinct count (the most on one device, the sum over devices, and the PMP summary); a rule that the bounds cannot decide is unknown.'),
  ('e8.important_patches', 'Essential Eight ML2/3', 'missing important patches', 'important_count', '<=', 50, 'count', 'high',
   'Distinct patches, bounded as for e8.critical_patches.'),
  ('e8.vulnerable_systems', 'Essential Eight ML2', 'highly vulnerable systems / total systems', 'highly_vulnerable_pct', '<=', 5, 'percent', 'high',
   'Devices with no health status widen the range rather than count as healthy.'),
  ('e8.scan_coverage', 'Essential Eight ML1', 'scanned systems / total systems', 'scanned_pct', '>=', 95, 'percent', 'medium', NULL),
  ('e8.vuln_db_fresh', 'Essential Eight ML1', 'vulnerability DB last updated', 'vuln_db_age_days', '<', 7, 'days', 'medium',
   'From the PMP summary of the server(s) that scan the scope''s devices (ISM-1808).'),
  ('cis.7_1.scanning', 'CIS v8 7.1', 'vulnerability scanning deployed', 'scanned_pct', '>=', 95, 'percent', 'medium',
   'A patch scan is evidence of scanning, not of the documented process CIS 7.1 asks for.'),
  ('cis.7_2.critical_remediated', 'CIS v8 7.2', 'critical patches remediated', 'critical_count', '=', 0, 'count', 'high', NULL),
  ('cis.7_3.automated_patching', 'CIS v8 7.3', 'automated patch deployment configured', 'apd_tasks', '>', 0, 'count', 'medium',
   'PMP reports APD tasks per server, not per site, so the rule is decided for the estate only.'),
  ('msp.healthy_ratio', 'custom', 'healthy systems / total systems', 'healthy_pct', '>=', 60, 'percent', 'medium', NULL),
  ('msp.scan_success', 'custom', 'scan successes / scanned systems', 'scan_success_pct', '>=', 98, 'percent', 'medium', NULL),
  ('msp.unscanned', 'custom', 'unscanned systems', 'unscanned_systems', '<=', 50, 'count', 'low', NULL),
  ('e8.ism1702.os_scan_fortnightly', 'Essential Eight ML1-3 (ISM-1702)', 'devices scanned for missing patches within the scan window (compliance_settings.scan_window_days, default 14 days)', 'scanned_within_window_pct', '>=', 100, 'percent', 'medium',
   'An RMM patch scan is not an authenticated vulnerability scan; NinjaOne gives a scan time only for devices with missing patches.'),
  ('e8.ism1695.os_patches_one_month', 'Essential Eight ML1-2 (ISM-1695)', 'OS patches applied within one month of release', 'os_patches_over_30d', '=', 0, 'count', 'high',
   'Needs the release date of each missing patch, which the collectors do not gather: always unknown until they do.')
ON CONFLICT (rule_id) DO NOTHING;
--> statement-breakpoint
INSERT INTO core.compliance_settings (setting, value, unit, description) VALUES
  ('stale_after_days', 14, 'days', 'A device with no contact and no patch scan for this many days is excluded from compliance as stale or offline (and reported).'),
  ('scan_window_days', 14, 'days', 'A device counts as scanned within the window when its last patch scan is at most this many days old (ISM-1702: fortnightly).')
ON CONFLICT (setting) DO NOTHING;

/**
 * What the compliance workbook holds, read from bi views only (the workbook can show nothing a BI tool
 * could not): the rule verdicts of the report's day (bi.compliance_checks), N days of missing
 * critical/high patches (bi.patch_compliance_site) and of the pass rate (bi.compliance_checks), the
 * severity split and device counts of the day (bi.patch_compliance_site) and the 7/30/90-day changes
 * of the PMP summary metrics (bi.pmp_summary_trend). For one site (--site) or the whole estate.
 * A value the data does not give stays null here and is shown as "not known" with its reason.
 */
import type { Sql } from '../../warehouse/db.js';
import { UsageError } from '../../warehouse/errors.js';
import { addDays } from '../../warehouse/time.js';
import { resolveSite } from './billing-data.js';

export interface CheckLine {
  source: string; ruleId: string; framework: string; description: string; severity: string; metric: string; unit: string;
  value: number | null; valueMin: number | null; valueMax: number | null; comparator: string; threshold: number;
  status: 'pass' | 'fail' | 'unknown'; reason: string | null; rangeNote: string | null; thresholdSource: string; ruleVersion: number;
  devicesInScope: number | null; ruleNote: string | null;
}

/** One day × source of the trend: summed missing patches of in-scope devices, and the rule verdicts. */
export interface TrendDay {
  day: string; source: string; critical: number | null; important: number | null; devicesInScope: number | null;
  passed: number; failed: number; unknown: number;
}

/** A source's picture on the report's day, summed over the scope's sites (null: a site's source does not say). */
export interface SourceDay {
  source: string; devicesTotal: number; devicesInScope: number; devicesSpare: number; devicesStaleOrOffline: number; devicesUnknown: number;
  devicesMissingCritical: number; devicesHealthy: number; devicesHighlyVulnerable: number; devicesHealthUnknown: number;
  devicesExposedOver30Days: number; maxExposureDays: number;
  critical: number; important: number; moderate: number; low: number; unrated: number;
  os: number | null; thirdParty: number | null; driver: number | null; bios: number | null;
}

export interface PmpMetricLine {
  instance: string; snapshotDay: string; metric: string; group: string; kind: string; higherIsBetter: boolean | null;
  valueText: string | null;
  change7: number | null; direction7: string | null; change30: number | null; direction30: string | null; change90: number | null; direction90: string | null;
}

export interface ComplianceExport {
  /** The report's day: the latest snapshot day with verdicts on or before --today. */
  day: string; firstDay: string; days: number; site: { id: number; name: string } | undefined;
  checks: CheckLine[]; trend: TrendDay[]; sources: SourceDay[]; pmp: PmpMetricLine[];
  timeZone?: string;
}

export const DEFAULT_DAYS = 90;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

export async function loadComplianceExport(sql: Sql, options: { today: string; days: number; site?: string }): Promise<ComplianceExport> {
  const site = options.site === undefined ? undefined : await resolveSite(sql, options.site);
  const siteId = site?.id ?? null;
  const scope = site ? 'site' : 'estate';
  // One read of the site table over the period (sites add up to the estate) gives both the trend and
  // the report's day: the latest day on or before --today, looked for a week further back than the period.
  const patches = await sql`
    select snapshot_day::text as day, source, sum(missing_critical)::float8 as critical, sum(missing_important)::float8 as important,
           sum(devices_in_scope)::int as in_scope
    from bi.patch_compliance_site
    where snapshot_day between ${addDays(options.today, -(options.days + 6))}::date and ${options.today}::date
      and (${siteId}::int is null or site_id = ${siteId}::int)
    group by 1, 2`;
  const day = patches.reduce<string | undefined>((latest, p) => (latest === undefined || p.day > latest ? p.day : latest), undefined);
  if (!day) {
    throw new UsageError(
      `no compliance data in the ${options.days + 7} days up to ${options.today}${site ? ` at ${site.name}` : ''}`,
      'Compliance is judged from the patch sources (NinjaOne, PMP): collect them (`warehouse nightly`), or pass --today a day that was collected.',
    );
  }
  const firstDay = addDays(day, -(options.days - 1));
  const checks = (await sql`
    select source, rule_id, framework, check_description, severity, metric, unit, value, value_min, value_max, comparator, threshold,
           status, reason, range_note, threshold_source, rule_version, devices_in_scope, rule_note
    from bi.compliance_checks
    where snapshot_day = ${day}::date and scope = ${scope} and (${siteId}::int is null or site_id = ${siteId}::int)
    order by case severity when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end, rule_id, source`).map((r): CheckLine => ({
    source: r.source, ruleId: r.rule_id, framework: r.framework, description: r.check_description, severity: r.severity, metric: r.metric,
    unit: r.unit, value: num(r.value), valueMin: num(r.value_min), valueMax: num(r.value_max), comparator: r.comparator, threshold: Number(r.threshold),
    status: r.status, reason: r.reason, rangeNote: r.range_note, thresholdSource: r.threshold_source, ruleVersion: Number(r.rule_version),
    devicesInScope: num(r.devices_in_scope), ruleNote: r.rule_note,
  }));
  const verdicts = await sql`
    select snapshot_day::text as day, source, count(*) filter (where status = 'pass')::int as passed,
           count(*) filter (where status = 'fail')::int as failed, count(*) filter (where status = 'unknown')::int as unknown
    from bi.compliance_checks
    where snapshot_day between ${firstDay}::date and ${day}::date and scope = ${scope} and (${siteId}::int is null or site_id = ${siteId}::int)
    group by 1, 2`;
  const trend = new Map<string, TrendDay>();
  const at = (d: string, source: string): TrendDay => {
    const key = `${d}/${source}`;
    let line = trend.get(key);
    if (!line) {
      line = { day: d, source, critical: null, important: null, devicesInScope: null, passed: 0, failed: 0, unknown: 0 };
      trend.set(key, line);
    }
    return line;
  };
  for (const p of patches.filter((row) => row.day >= firstDay && row.day <= day)) Object.assign(at(p.day, p.source), { critical: num(p.critical), important: num(p.important), devicesInScope: num(p.in_scope) });
  for (const v of verdicts) Object.assign(at(v.day, v.source), { passed: v.passed, failed: v.failed, unknown: v.unknown });

  const sources = (await sql`
    select source,
           sum(devices_total)::int as devices_total, sum(devices_in_scope)::int as devices_in_scope, sum(devices_spare)::int as devices_spare,
           sum(devices_stale_or_offline)::int as devices_stale, sum(devices_unknown)::int as devices_unknown,
           sum(devices_missing_critical)::int as devices_missing_critical, sum(devices_healthy)::int as devices_healthy,
           sum(devices_highly_vulnerable)::int as devices_highly_vulnerable, sum(devices_health_unknown)::int as devices_health_unknown,
           sum(devices_exposed_over_30_days)::int as devices_exposed, max(max_exposure_days)::int as max_exposure,
           sum(missing_critical)::float8 as critical, sum(missing_important)::float8 as important, sum(missing_moderate)::float8 as moderate,
           sum(missing_low)::float8 as low, sum(missing_unrated)::float8 as unrated,
           -- a kind is known for the scope only when every site's source gives it
           case when count(missing_os) = count(*) then sum(missing_os)::float8 end as os,
           case when count(missing_third_party) = count(*) then sum(missing_third_party)::float8 end as third_party,
           case when count(missing_driver) = count(*) then sum(missing_driver)::float8 end as driver,
           case when count(missing_bios) = count(*) then sum(missing_bios)::float8 end as bios
    from bi.patch_compliance_site
    where snapshot_day = ${day}::date and (${siteId}::int is null or site_id = ${siteId}::int)
    group by source order by source`).map((r): SourceDay => ({
    source: r.source, devicesTotal: r.devices_total, devicesInScope: r.devices_in_scope, devicesSpare: r.devices_spare,
    devicesStaleOrOffline: r.devices_stale, devicesUnknown: r.devices_unknown, devicesMissingCritical: r.devices_missing_critical,
    devicesHealthy: r.devices_healthy, devicesHighlyVulnerable: r.devices_highly_vulnerable, devicesHealthUnknown: r.devices_health_unknown,
    devicesExposedOver30Days: r.devices_exposed, maxExposureDays: r.max_exposure,
    critical: Number(r.critical ?? 0), important: Number(r.important ?? 0), moderate: Number(r.moderate ?? 0), low: Number(r.low ?? 0), unrated: Number(r.unrated ?? 0),
    os: num(r.os), thirdParty: num(r.third_party), driver: num(r.driver), bios: num(r.bios),
  }));

  // PMP summarises per server, not per site: the latest snapshot of each server on or before the day.
  const pmp = (await sql`
    with latest as (
      select instance, max(snapshot_day) as day from bi.pmp_summary_trend where snapshot_day <= ${day}::date group by instance
    )
    select t.instance, t.snapshot_day::text as snapshot_day, t.metric, t.metric_group, t.kind, t.higher_is_better, t.value_text,
           t.change_7d::float8 as c7, t.direction_7d as d7, t.change_30d::float8 as c30, t.direction_30d as d30,
           t.change_90d::float8 as c90, t.direction_90d as d90
    from bi.pmp_summary_trend as t
    inner join latest as l on l.instance = t.instance and l.day = t.snapshot_day
    order by t.instance, t.metric_group = 'envelope', t.metric_group = 'dbupdatestatus', t.metric`).map((r): PmpMetricLine => ({
    instance: r.instance, snapshotDay: r.snapshot_day, metric: r.metric, group: r.metric_group, kind: r.kind, higherIsBetter: r.higher_is_better,
    valueText: r.value_text, change7: num(r.c7), direction7: r.d7, change30: num(r.c30), direction30: r.d30, change90: num(r.c90), direction90: r.d90,
  }));

  return {
    day, firstDay, days: options.days, site, checks, sources, pmp,
    trend: [...trend.values()].sort((a, b) => a.day.localeCompare(b.day) || a.source.localeCompare(b.source)),
  };
}

/** Severity weights of the risk score: a failing critical rule weighs four times a failing low one. */
export const RISK_WEIGHTS = { critical: 4, high: 3, medium: 2, low: 1 } as const;
export type Severity = keyof typeof RISK_WEIGHTS;

export interface RiskScore {
  bySeverity: Array<{ severity: Severity; weight: number; failed: number; decided: number; unknown: number }>;
  /** 0 (every decided rule passes) to 100 (every decided rule fails); null when no rule is decided. */
  score: number | null;
  failed: number; passed: number; unknown: number;
}

/** The risk score: 100 × Σ weight × failing rules / Σ weight × decided rules (pass or fail), per rule and source. */
export function riskScore(checks: CheckLine[]): RiskScore {
  const bySeverity = (Object.keys(RISK_WEIGHTS) as Severity[]).map((severity) => {
    const of = checks.filter((c) => c.severity === severity);
    return {
      severity, weight: RISK_WEIGHTS[severity], failed: of.filter((c) => c.status === 'fail').length,
      decided: of.filter((c) => c.status !== 'unknown').length, unknown: of.filter((c) => c.status === 'unknown').length,
    };
  });
  const weighted = (key: 'failed' | 'decided') => bySeverity.reduce((n, s) => n + s.weight * s[key], 0);
  const decided = weighted('decided');
  return {
    bySeverity, score: decided === 0 ? null : Math.round((100 * weighted('failed')) / decided),
    failed: checks.filter((c) => c.status === 'fail').length, passed: checks.filter((c) => c.status === 'pass').length,
    unknown: checks.filter((c) => c.status === 'unknown').length,
  };
}

/** The rule's value in words: the number, a range the data leaves open, or "not known" with the reason. */
export function valueInWords(c: Pick<CheckLine, 'value' | 'valueMin' | 'valueMax' | 'unit' | 'reason' | 'status'>): string {
  const unit = c.unit === 'percent' ? ' %' : c.unit === 'days' ? ' days' : '';
  if (c.value !== null) return `${c.value}${unit}`;
  if (c.valueMin !== null && c.valueMax !== null) return `between ${c.valueMin} and ${c.valueMax}${unit}`;
  if (c.valueMin !== null) return `at least ${c.valueMin}${unit}`;
  return `not known: ${c.reason ?? 'the data does not give it'}`;
}

const ACTIONS: Record<string, string> = {
  critical_count: 'Deploy the missing critical patches first (approve them and run a deployment now, outside the usual window), then re-scan.',
  important_count: 'Schedule the missing important patches in the next patch window and confirm the deployment policy covers every device.',
  highly_vulnerable_pct: 'Patch the highly vulnerable systems first: list them in bi.patch_compliance_device (risk_level critical or important) and deploy to those.',
  healthy_pct: 'Raise the share of healthy systems: deploy the missing patches to the vulnerable systems and restart those waiting for a reboot.',
  scanned_pct: 'Get every device scanned: check the agent on the unscanned ones (installed, running, in contact) and start a scan.',
  scanned_within_window_pct: 'Scan every device at least fortnightly (ISM-1702): schedule the patch scan and fix the agents of devices that missed it.',
  scan_success_pct: 'Investigate the failed scans (agent errors, no disk space, offline during the scan) and re-run them.',
  unscanned_systems: 'Bring the unscanned systems under scanning: install or repair their agent, or retire them from the inventory.',
  vuln_db_age_days: 'Update the vulnerability database on the PMP server now and turn on its automatic update.',
  apd_tasks: 'Create an Automated Patch Deployment task in PMP so that patches are deployed without a manual step.',
  os_patches_over_30d: 'Apply the OS patches released more than a month ago.',
};

export interface Recommendation { severity: string; ruleId: string; source: string; finding: string; action: string }

/** One action per failing rule and source, most severe first. */
export function recommendations(checks: CheckLine[]): Recommendation[] {
  return checks.filter((c) => c.status === 'fail').map((c) => ({
    severity: c.severity, ruleId: c.ruleId, source: c.source,
    finding: `${c.description}: ${valueInWords(c)}, the rule asks ${c.comparator} ${c.threshold}${c.unit === 'percent' ? ' %' : c.unit === 'days' ? ' days' : ''}${c.thresholdSource === 'rule' ? '' : ` (${c.thresholdSource})`}`,
    action: ACTIONS[c.metric] ?? `Bring ${c.metric} to ${c.comparator} ${c.threshold}.`,
  }));
}

/**
 * What a month's billing export holds, read from the month-end tables: one summary line per client
 * and source (bi.billing_monthly, the numbers an invoice carries) and the devices behind them with
 * the reason each was or was not billed (bi.billing_month_devices). Both read the same
 * month-end rows, so the device lists always add up to the summary.
 */
import type { Sql } from '../../warehouse/db.js';
import { UsageError } from '../../warehouse/errors.js';
import { lastDayOfMonth } from '../../warehouse/time.js';
import { suggestSite } from '../../warehouse/sites/suggest.js';

export interface SummaryLine {
  siteId: number; site: string; reference: string | null; source: string; instance: string;
  workstations: number; servers: number; billable: number; spares: number; total: number;
  previousBillable: number | null; change: number; monthEndDay: string; isExact: boolean; isClosed: boolean;
}

export interface DeviceLine {
  siteId: number; site: string; reference: string | null; source: string; instance: string; vendorId: string; hostname: string | null;
  displayName: string | null; deviceClass: string; billingStatus: string; reason: string; spareRule: string | null; monthEndDay: string;
  /** Billed but silent longer than the billing policy allows: flagged for the operator. */
  isStale: boolean; lastContactAt: string | null;
}

/** The seal of a closed month (bi.billing_closes): printed on the export so an invoice can be checked later. */
export interface SealLine { digest: string; previousDigest: string | null; closedAt: string; devices: number }

/** The billing policy, stated on the export so a reader knows what a seat is. */
export interface PolicyLine { billedClasses: string[]; staleAfterDays: number; spareRules: string[] }

export interface BillingExport {
  month: string; site: { id: number; name: string } | undefined; closed: boolean; seal: SealLine | null;
  /**
   * Of a closed month, the policy recorded when it was closed (bi.billing_closes); of an open one, or
   * one closed before the policy was recorded, today's (bi.billing_policy): `policyOfClose` says which.
   */
  policy: PolicyLine; policyOfClose: boolean; summary: SummaryLine[]; devices: DeviceLine[];
  /** The MSP's time zone (WAREHOUSE_TIMEZONE) for the instants a person reads, such as when the workbook was made; UTC when not given. */
  timeZone?: string;
}

export function parseMonth(value: string | undefined): string {
  if (!value || !/^\d{4}-(0[1-9]|1[0-2])$/u.test(value)) {
    throw new UsageError(`--month ${value ?? '(missing)'} is not a month like 2026-10`, 'e.g. `warehouse export billing --month 2026-10 --format xlsx`.');
  }
  return value;
}

/** A site by id or by name (case-insensitive); an unknown one is a usage error listing close names. */
export async function resolveSite(sql: Sql, wanted: string): Promise<{ id: number; name: string }> {
  // bi.sites, like every read of the export: it can show nothing the reader role could not.
  const rows = await sql<{ id: number; name: string }[]>`
    select site_id as id, site as name from bi.sites
    where lower(site) = lower(${wanted}) or site_id::text = ${wanted}
    order by (lower(site) = lower(${wanted})) desc limit 1`;
  if (rows[0]) return rows[0];
  const names = (await sql<{ name: string }[]>`select site as name from bi.sites order by site`).map((r) => r.name);
  throw new UsageError(`--site ${wanted}: no such site`, suggestSite(wanted, names));
}

export async function loadBillingExport(sql: Sql, month: string, siteFilter?: string): Promise<BillingExport> {
  const site = siteFilter === undefined ? undefined : await resolveSite(sql, siteFilter);
  const siteId = site?.id ?? null;
  const summary = await sql<SummaryLine[]>`
    select site_id as "siteId", site, reference, source, instance, workstations, servers, billable, spares, total,
           previous_billable as "previousBillable", change, month_end_day::text as "monthEndDay",
           is_exact as "isExact", is_closed as "isClosed"
    from bi.billing_monthly
    where month = ${month} and (${siteId}::int is null or site_id = ${siteId}::int)
    order by site, source, instance`;
  if (summary.length === 0) {
    const [ended] = await sql<{ ended: boolean }[]>`select ${`${month}-01`}::date < date_trunc('month', now())::date as ended`;
    throw new UsageError(
      `no month-end for ${month}${site ? ` at ${site.name}` : ''}`,
      ended?.ended
        ? `Nothing was collected in ${month}, or it was not rolled up yet: run \`warehouse rollup --from ${month}-01 --to ${lastDayOfMonth(month)}\`, then export again.`
        : `${month} has not ended yet; bi.billing_today_vs_last_month_end shows the month so far.`,
    );
  }
  const devices = await sql<DeviceLine[]>`
    select site_id as "siteId", site, reference, source, instance, vendor_id as "vendorId", hostname, display_name as "displayName",
           device_class as "deviceClass", billing_status as "billingStatus", reason, spare_rule as "spareRule",
           month_end_day::text as "monthEndDay", is_stale as "isStale",
           to_char(last_contact_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "lastContactAt"
    from bi.billing_month_devices
    where month = ${month} and (${siteId}::int is null or site_id = ${siteId}::int)
    order by site, site_id, lower(coalesce(hostname, display_name, vendor_id)), coalesce(hostname, display_name, vendor_id), source, instance, vendor_id`;
  const [seal] = await sql<SealLine[]>`
    select digest, previous_digest as "previousDigest", to_char(closed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "closedAt",
           sealed_devices as devices
    from bi.billing_closes where month = ${month} and digest is not null`;
  const closed = summary.every((s) => s.isClosed);
  // A closed month was judged by the policy of its close; the settings may have moved on since.
  const [ofClose] = closed ? await sql<PolicyLine[]>`
    select policy_billed_classes as "billedClasses", policy_stale_after_days as "staleAfterDays", policy_spare_rules as "spareRules"
    from bi.billing_closes where month = ${month} and policy_billed_classes is not null` : [];
  const [current] = ofClose ? [] : await sql<PolicyLine[]>`
    select billed_classes as "billedClasses", stale_after_days as "staleAfterDays", spare_rules as "spareRules" from bi.billing_policy`;
  return {
    month, site, closed, seal: seal ?? null,
    policy: ofClose ?? current ?? { billedClasses: ['workstation', 'server'], staleAfterDays: 30, spareRules: [] },
    policyOfClose: ofClose !== undefined, summary, devices,
  };
}

/** Sum of a numeric field over summary lines (the totals rows, and the tests' cross-check). */
export function total(lines: SummaryLine[], field: 'workstations' | 'servers' | 'billable' | 'spares' | 'total' | 'previousBillable' | 'change'): number {
  return lines.reduce((n, l) => n + (l[field] ?? 0), 0);
}

/** The policy in words, for the Summary sheet (and the CSV summary's readers, through the README). */
export function policyInWords(policy: PolicyLine): string[] {
  const classes = policy.billedClasses.length > 0 ? policy.billedClasses.join(', ') : '(none)';
  return [
    `Billed classes: ${classes}. A device of any other class is listed as not_billed; devices at an internal site are never billed.`,
    `A device of a billed class is a spare (not billed) when a spare rule matches, first match wins: ${policy.spareRules.length > 0 ? policy.spareRules.map((r, i) => `${i + 1}. ${r}`).join('; ') : 'no rule is enabled'}.`,
    `A billed device silent for more than ${policy.staleAfterDays} days at the month-end is still billed and flagged stale, for a decision before invoicing.`,
  ];
}

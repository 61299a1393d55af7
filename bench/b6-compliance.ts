/**
 * B6: the compliance workbook (`warehouse export compliance`) for the whole estate and for one site
 * over 90 days: reading its bi views, building the six sheets and adding the native charts. Compared
 * with the floor measured in the same run: the very same bi reads alone (the workbook cannot be made
 * faster than its rows can be read), so the ratio is the cost of the spreadsheet itself.
 */
import type { Sql } from 'postgres';
import { loadComplianceExport } from '../bin/export/compliance-data.js';
import { complianceWorkbook } from '../bin/export/compliance-xlsx.js';
import { timed } from './measure.js';

export interface ComplianceWorkbookRun { scope: string; ms: number; readMs: number; bytes: number; checks: number; days: number }

async function once(sql: Sql, today: string, site: string | undefined): Promise<ComplianceWorkbookRun> {
  const options = { today, days: 90, ...(site === undefined ? {} : { site }) };
  const reads = await timed(() => loadComplianceExport(sql, options));
  const whole = await timed(async () => complianceWorkbook(await loadComplianceExport(sql, options)));
  return { scope: site ?? 'estate', ms: whole.ms, readMs: reads.ms, bytes: whole.value.length, checks: reads.value.checks.length, days: new Set(reads.value.trend.map((t) => t.day)).size };
}

export async function benchComplianceWorkbook(sql: Sql, today: string): Promise<ComplianceWorkbookRun[]> {
  // The site with the most devices: the largest single-client workbook.
  const [site] = await sql<{ site: string }[]>`
    select site from bi.patch_compliance_site where snapshot_day = ${today} group by site order by sum(devices_total) desc limit 1`;
  return [await once(sql, today, undefined), ...(site ? [await once(sql, today, String(site.site))] : [])];
}

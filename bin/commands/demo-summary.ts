/** The demo's closing summary: what an MSP would look at first. */
import { openDatabase } from '../../warehouse/db.js';
import { renderTable } from '../table.js';

export async function printDemoSummary(url: string): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:demo', max: 1 });
  try {
    const perClient = await sql`
      select site as client,
             count(*) filter (where source = 'ninjaone')::int as ninjaone,
             count(*) filter (where source = 'ninjaone' and billing_status = 'billable')::int as billable,
             count(*) filter (where source = 'ninjaone' and billing_status = 'spare')::int as spare,
             count(*) filter (where source = 'threatlocker')::int as threatlocker,
             count(*) filter (where source = 'pmp')::int as pmp
      from bi.devices_current group by site order by ninjaone desc, client limit 12`;
    process.stdout.write(`\nDevices per client today (top 12 by NinjaOne seats):\n${renderTable(perClient)}`);
    const health = await sql`
      select source, last_success_day::text as "last success", rows, last_run_status as "last run", consecutive_failures::int as failures
      from bi.collection_health order by source`;
    process.stdout.write(`\nCollection health:\n${renderTable(health)}`);
  } finally {
    await close();
  }
}

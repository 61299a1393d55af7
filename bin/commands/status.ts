import { loadWarehouseConfig } from '../../warehouse/config.js';
import { openDatabase, asDatabaseError } from '../../warehouse/db.js';
import { EXIT, WarehouseError } from '../../warehouse/errors.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { parse } from '../args.js';
import { withDatabase } from '../database.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verbs.js';

interface HealthRow { source: string; instance: string; last_success_at: Date | null; age_hours: number | null; rows: number | null; last_run_status: string | null; last_error: string | null; consecutive_failures: number }

export const statusCommand: Verb = {
  summary: 'Freshness, last run and failures per source; non-zero exit when stale',
  help: `usage: warehouse status

One line per source instance: last success, its age, rows published, the last run's outcome and error,
and consecutive failures. Exits 7 when any source's last success is older than WAREHOUSE_STALE_HOURS
(default 36) or it never succeeded, so monitoring can call it; 0 otherwise.`,
  async run(argv) {
    parse('status', argv, {});
    const config = loadWarehouseConfig(process.env);
    const rows = await withDatabase(config, async (url) => {
      const { sql, close } = openDatabase(url, { applicationName: 'warehouse:status', max: 2 });
      try {
        await sweepAbandonedRuns(sql);
        return await sql<HealthRow[]>`
          select source, instance, last_success_at, age_hours::float8 as age_hours, rows, last_run_status,
                 left(last_error, 80) as last_error, consecutive_failures::int as consecutive_failures
          from bi.collection_health order by source, instance`;
      } catch (error) {
        throw asDatabaseError(error);
      } finally {
        await close();
      }
    });
    process.stdout.write(renderTable(rows.map((r) => ({
      source: r.instance === 'default' ? r.source : `${r.source}/${r.instance}`,
      'last success': r.last_success_at, 'age (h)': r.age_hours, rows: r.rows, 'last run': r.last_run_status,
      failures: r.consecutive_failures, 'last error': r.last_error,
    }))));
    const stale = rows.filter((r) => r.age_hours === null || r.age_hours > config.staleAfterHours);
    if (rows.length === 0) throw new WarehouseError('ERR_STALE', EXIT.vendorUnavailable, 'no source has ever been collected', 'Run `warehouse nightly` (or install the timers: README, "Deploy the timers").');
    if (stale.length > 0) {
      throw new WarehouseError('ERR_STALE', EXIT.vendorUnavailable,
        `stale: ${stale.map((r) => r.source).join(', ')} (last success older than ${config.staleAfterHours} h or never)`,
        'Check the last error above and `journalctl -u warehouse-collect@<source>`; re-run `warehouse collect <source>`.');
    }
    return EXIT.ok;
  },
};

/**
 * `warehouse doctor [--json]`: config, database, each configured vendor and the installed units, one
 * line per check with what to do; exit 0 when nothing failed (warnings allowed), else the exit code
 * the first failure stands for. Reads only: no run, no lock, nothing written.
 */
import { todayIn } from '../../warehouse/time.js';
import { asDatabaseError, openDatabase } from '../../warehouse/db.js';
import { parse } from '../args.js';
import { withDatabase } from '../database.js';
import { exitOf, failed, type Check } from '../doctor/check.js';
import { checkConfig } from '../doctor/config.js';
import { checkDatabase } from '../doctor/database.js';
import { checkUnits } from '../doctor/units.js';
import { checkVendor } from '../doctor/vendor.js';
import type { Verb } from '../verbs.js';

const MARK: Record<Check['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: '-   ' };

export const doctorCommand: Verb = {
  summary: 'Check config, database, each configured vendor and the installed units',
  help: `usage: warehouse doctor [--json]

Checks, one line each: the configuration (values, misspelled keys, each vendor's keys), the database
(reachable, migrated to this version, the owner's privileges for migrate, the warehouse_reader role),
each configured vendor (credentials accepted and the first page read through the collector's own
client, with the request budget), and the installed systemd units (the paths they run from visible
under their sandboxing). Writes nothing. --json prints {"ok": bool, "checks": [{name, status, detail,
fix}]}. Exit 0 when no check failed (warnings allowed), else the exit code of the first failure
(2 configuration, 6 vendor authentication, 7 vendor unavailable, 8 database).`,
  async run(argv) {
    const { values } = parse('doctor', argv, { json: { type: 'boolean' } });
    const checks: Check[] = [];
    const { checks: configChecks, config, vendors } = checkConfig(process.env);
    checks.push(...configChecks);
    if (config) {
      try {
        checks.push(...await withDatabase(config, async (url) => {
          const { sql, close } = openDatabase(url, { applicationName: 'warehouse:doctor', max: 1 });
          try {
            return await checkDatabase(sql);
          } finally {
            await close();
          }
        }));
      } catch (error) {
        checks.push(failed('database', asDatabaseError(error)));
      }
      const today = todayIn(config.timeZone);
      for (const vendor of vendors) checks.push(await checkVendor(vendor.source, vendor.config, today));
    }
    checks.push(...checkUnits());
    const code = exitOf(checks);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify({ ok: code === 0, checks: checks.map(({ exitCode: _ignored, ...c }) => c) })}\n`);
    } else {
      for (const c of checks) process.stdout.write(`${MARK[c.status]}  ${c.name.padEnd(20)} ${c.detail}${c.fix ? `\n      → ${c.fix}` : ''}\n`);
      process.stdout.write(code === 0 ? 'doctor: nothing failed\n' : `doctor: ${checks.filter((c) => c.status === 'fail').length} check(s) failed\n`);
    }
    return code;
  },
};

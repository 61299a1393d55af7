/**
 * `warehouse citus-plan`: the statements that distribute this warehouse onto Citus by site_id, from
 * the one list in warehouse/scale-out.ts, checked against the database's schema first. It only prints:
 * moving a warehouse is the operator's to schedule (it rewrites the large tables onto the workers).
 */
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT, NotMigratedError } from '../../warehouse/errors.js';
import { citusPlan, readSchema } from '../../warehouse/scale-out.js';
import { parse } from '../args.js';
import { withDatabase, withSql } from '../database.js';
import type { Verb } from '../verbs.js';

export const citusPlanCommand: Verb = {
  summary: 'Print the Citus statements that distribute this warehouse by site_id',
  help: `usage: warehouse citus-plan

Reads the database's schema and prints, as SQL to run on the Citus coordinator (after
\`create extension citus\` and adding the workers), the statements that move this warehouse onto
Citus: create_reference_table for the small tables (sites, aliases, rules, runs), each after the
tables its foreign keys point at, then create_distributed_table by site_id for the large ones
(device days, patch status, findings, daily counts, month-end rows), co-located so each client's
rows share a shard; the tables that cannot be distributed yet are listed as comments with why.
Changes nothing. A table the plan does not know, or one that breaks Citus's rules, is named on
stderr. Uses DATABASE_URL, or the embedded database in $WAREHOUSE_HOME when it is unset.`,
  async run(argv) {
    parse('citus-plan', argv, {});
    const config = loadWarehouseConfig(process.env);
    const plan = await withDatabase(config, (url) => withSql(url, 'warehouse:citus-plan', async (sql) => {
      const schema = await readSchema(sql);
      if (!schema.tables.some((t) => t.name === 'core.sites')) throw new NotMigratedError('core.sites does not exist');
      return citusPlan(schema);
    }));
    process.stdout.write(`-- Distribute this warehouse onto Citus by site_id (warehouse/scale-out.ts). Run as the owner on the coordinator.\n${plan.statements.join('\n')}\n`);
    for (const problem of plan.problems) process.stderr.write(`warning: ${problem.table}: ${problem.rule}: ${problem.detail}\n`);
    if (plan.missing.length > 0) process.stderr.write(`note: not in this database (skipped): ${plan.missing.join(', ')}\n`);
    return EXIT.ok;
  },
};

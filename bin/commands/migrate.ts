import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT } from '../../warehouse/errors.js';
import { createLogger } from '../../warehouse/log.js';
import { migrate } from '../../warehouse/migrate.js';
import { asDatabaseError } from '../../warehouse/db.js';
import { parse } from '../args.js';
import { withDatabase } from '../database.js';
import type { Verb } from '../verbs.js';

export const migrateCommand: Verb = {
  summary: 'Apply migrations, then (re)create views and grants',
  help: `usage: warehouse migrate

Applies every pending migration (history in drizzle.migrations), then replaces the views of bi and
staging in one transaction and re-applies the grants of warehouse_reader and warehouse_writer.
Idempotent. Views you built on them (in public, your own schemas or bi) are kept, with their owner,
grants and comments; if a new view no longer has a column one of yours uses, migrate changes nothing,
names your view and exits 2. Views the warehouse no longer ships are dropped, unless one of yours
reads them (then the same refusal).
Uses DATABASE_URL, or the embedded database in $WAREHOUSE_HOME when it is unset.`,
  async run(argv) {
    parse('migrate', argv, {});
    const config = loadWarehouseConfig(process.env);
    const log = createLogger();
    await withDatabase(config, (url) => migrate(url, log, { timeZone: config.timeZone }).catch((error: unknown) => { throw asDatabaseError(error); }));
    return EXIT.ok;
  },
};

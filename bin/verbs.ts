/** The verb table: name, one-line summary, --help text and the function that runs it. */
import { collectCommand, nightlyCommand } from './commands/collect.js';
import { dbCommand } from './commands/db.js';
import { demoCommand } from './commands/demo.js';
import { exceptionsCommand } from './commands/exceptions.js';
import { exportCommand } from './commands/export.js';
import { migrateCommand } from './commands/migrate.js';
import { billingCommand } from './commands/billing.js';
import { retentionCommand, rollupCommand } from './commands/rollup.js';
import { simulateCommand } from './commands/simulate.js';
import { sitesCommand } from './commands/sites.js';
import { statusCommand } from './commands/status.js';
import { systemdCommand } from './commands/systemd.js';

export interface Verb { summary: string; help: string; run(argv: string[]): Promise<number> }

export const VERBS: Record<string, Verb> = {
  migrate: migrateCommand,
  collect: collectCommand,
  nightly: nightlyCommand,
  rollup: rollupCommand,
  retention: retentionCommand,
  billing: billingCommand,
  sites: sitesCommand,
  exceptions: exceptionsCommand,
  export: exportCommand,
  systemd: systemdCommand,
  status: statusCommand,
  simulate: simulateCommand,
  demo: demoCommand,
  db: dbCommand,
};


/** The verb table: name, one-line summary, --help text and the function that runs it. */
import { EXIT, UsageError } from '../warehouse/errors.js';
import { collectCommand, nightlyCommand } from './commands/collect.js';
import { dbCommand } from './commands/db.js';
import { demoCommand } from './commands/demo.js';
import { migrateCommand } from './commands/migrate.js';
import { simulateCommand } from './commands/simulate.js';
import { statusCommand } from './commands/status.js';

export interface Verb { summary: string; help: string; run(argv: string[]): Promise<number> }

/** A verb whose subsystem is not built yet: say so plainly, exit 2. */
function later(name: string, summary: string, usage: string, issue: string): Verb {
  return {
    summary,
    help: `usage: warehouse ${usage}\n\n${summary}.\nNot available yet in this version (${issue}).`,
    run: async () => {
      throw new UsageError(`${name} is not available yet in this version`, `It arrives with ${issue}; see README "Roadmap".`);
    },
  };
}

export const VERBS: Record<string, Verb> = {
  migrate: migrateCommand,
  collect: collectCommand,
  nightly: nightlyCommand,
  rollup: later('rollup', 'Daily counts and month-end tables for the given days', 'rollup [--date D | --from D --to D]', 'the rollups work (daily counts, month-end tables)'),
  retention: later('retention', 'Drop what has expired under the retention policy', 'retention [--dry-run]', 'the rollups and retention work'),
  billing: later('billing close', 'Freeze a month\'s month-end tables (invoiced)', 'billing close <YYYY-MM>', 'the rollups work'),
  sites: later('sites', 'Canonical sites and vendor aliases', 'sites list | unmapped | map <source> <external-id> <site>', 'the site unification work'),
  exceptions: later('exceptions', 'Cross-vendor findings and their acknowledgement', 'exceptions list | ack <id> --note T', 'the site unification work'),
  export: later('export', 'A month\'s billable seats per client, with devices and spare reasons', 'export billing --month YYYY-MM --format csv|xlsx [--site S]', 'the operator experience work'),
  systemd: later('systemd install', 'Render and install the units and timers', 'systemd install [--prefix DIR] [--dry-run]', 'the systemd deployment work'),
  status: statusCommand,
  simulate: simulateCommand,
  demo: demoCommand,
  db: dbCommand,
};

export { EXIT };

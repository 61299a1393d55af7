/**
 * The verb table: name, one-line summary, and a loader for the module that holds its --help text and
 * the function that runs it. Loaded on demand, so `warehouse --help` and `--version` import none of
 * the verbs (nor PostgreSQL, pino or the collectors) and answer at once.
 */
export interface Verb { summary: string; help: string; run(argv: string[]): Promise<number> }

export interface VerbEntry { summary: string; load(): Promise<Verb> }

export const VERBS: Record<string, VerbEntry> = {
  migrate: { summary: 'Apply migrations, then (re)create views and grants', load: async () => (await import('./commands/migrate.js')).migrateCommand },
  collect: { summary: 'Collect one source-day: fetch, stage, gate, publish', load: async () => (await import('./commands/collect.js')).collectCommand },
  nightly: { summary: 'Every configured source, then rollup and retention', load: async () => (await import('./commands/collect.js')).nightlyCommand },
  rollup: { summary: 'Daily counts and month-end tables for the given days', load: async () => (await import('./commands/rollup.js')).rollupCommand },
  retention: { summary: 'Drop what has expired under the retention policy', load: async () => (await import('./commands/rollup.js')).retentionCommand },
  billing: { summary: 'billing close <YYYY-MM> | verify [YYYY-MM] | policy: freeze and seal a month, check the seals, the billing policy', load: async () => (await import('./commands/billing.js')).billingCommand },
  sites: { summary: 'Canonical sites and vendor aliases', load: async () => (await import('./commands/sites.js')).sitesCommand },
  exceptions: { summary: 'Cross-vendor findings and their acknowledgement', load: async () => (await import('./commands/exceptions.js')).exceptionsCommand },
  export: { summary: 'A month\'s billable seats per client, or the compliance workbook', load: async () => (await import('./commands/export.js')).exportCommand },
  systemd: { summary: 'Render and install the units and timers (and the helpers they run)', load: async () => (await import('./commands/systemd.js')).systemdCommand },
  alerts: { summary: 'Evaluate the alert conditions now, tell new alerts, list the open ones', load: async () => (await import('./commands/alerts.js')).alertsCommand },
  serve: { summary: 'The read-only web dashboard on the bi views (127.0.0.1 unless credentials are configured)', load: async () => (await import('./commands/serve.js')).serveCommand },
  status: { summary: 'Freshness, last run and open exceptions per source; non-zero exit when stale', load: async () => (await import('./commands/status.js')).statusCommand },
  simulate: { summary: 'Run one vendor simulator as a server', load: async () => (await import('./commands/simulate.js')).simulateCommand },
  demo: { summary: 'Embedded DB + simulators + N days of history ending today, then the summary', load: async () => (await import('./commands/demo.js')).demoCommand },
  doctor: { summary: 'Check config, database, each configured vendor and the installed units', load: async () => (await import('./commands/doctor.js')).doctorCommand },
  'citus-plan': { summary: 'Print the Citus statements that distribute this warehouse by site_id', load: async () => (await import('./commands/citus-plan.js')).citusPlanCommand },
  db: { summary: 'Control the embedded database: start | stop | url', load: async () => (await import('./commands/db.js')).dbCommand },
};

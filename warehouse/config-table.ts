/**
 * The warehouse's own configuration keys (DESIGN.md §5), declared once: warehouse/config.ts and
 * rollups/retention.ts read them through readKey(), collectors/registry.ts knownConfigKeys() lists
 * them, and the README's key table is generated from them (`npm run docs:keys`). The vendors declare
 * theirs in collectors/<vendor>/config.ts.
 */
import type { KeyDeclaration } from './config-keys.js';

/** Source names (fixed: CLI, configuration and data use them). */
export const SOURCE_NAMES = ['ninjaone', 'threatlocker', 'pmp'] as const;
export type SourceName = (typeof SOURCE_NAMES)[number];

export const WAREHOUSE_KEY_TABLE = {
  databaseUrl: { name: 'DATABASE_URL', type: 'url', defaultDoc: 'the embedded database', doc: 'PostgreSQL to use, `postgres://user:password@host:5432/dbname`' },
  config: { name: 'WAREHOUSE_CONFIG', type: 'path', doc: 'a `KEY=VALUE` file (systemd `EnvironmentFile=` syntax) holding any of these keys; the environment wins over it' },
  home: { name: 'WAREHOUSE_HOME', type: 'path', default: './.warehouse', doc: 'where the embedded database keeps its data' },
  timeZone: { name: 'WAREHOUSE_TIMEZONE', type: 'zone', defaultDoc: 'the system\'s', doc: 'the MSP\'s IANA time zone; the snapshot day is today there' },
  staleHours: { name: 'WAREHOUSE_STALE_HOURS', type: 'number', default: 36, doc: '`status` fails when a source\'s last success is older' },
  siteSource: {
    name: 'WAREHOUSE_SITE_SOURCE', type: 'enum', values: SOURCE_NAMES, default: 'ninjaone',
    doc: 'the source whose organisations create canonical sites',
  },
  siteMap: { name: 'WAREHOUSE_SITE_MAP', type: 'path', doc: 'the site mapping file (see [Clients, sites and cross-vendor findings](#clients-sites-and-cross-vendor-findings))' },
  rawPages: { name: 'WAREHOUSE_RAW_PAGES', type: 'enum', values: ['on', 'off'], defaultDoc: '`on`', doc: '`off` to skip keeping raw vendor pages (kept `WAREHOUSE_RETENTION_RAW_DAYS` days)' },
  metricsFile: {
    name: 'WAREHOUSE_METRICS_FILE', type: 'path', defaultDoc: 'off',
    doc: 'Prometheus text file for node_exporter\'s textfile collector, rewritten after each run and by `status`',
  },
  notifyCommand: { name: 'WAREHOUSE_NOTIFY_COMMAND', type: 'string', doc: 'shell command the systemd failure unit runs, and the alerts for each new alert, with the message on stdin (see `systemd/README.md` and [Alerts](#alerts-warehouse-alerts))' },
  quarantineMaxPercent: {
    name: 'WAREHOUSE_QUARANTINE_MAX_PERCENT', type: 'int', min: 0, max: 100, default: 2,
    doc: 'refuse a run when more than this share of records (per cent) was quarantined',
  },
  runTimeout: {
    name: 'WAREHOUSE_RUN_TIMEOUT_MINUTES', type: 'duration', unit: 'minutes', min: 1, max: 10_000, default: 120,
    doc: 'give up a collection after this long (nothing published; exit 7 when the vendor stopped answering, 8 when PostgreSQL did)',
  },
  earliestDay: {
    name: 'WAREHOUSE_EARLIEST_DAY', type: 'day', default: '2000-01-01',
    doc: 'the earliest snapshot day `--date`, `--from` and `--to` accept; a day more than one day after today in `WAREHOUSE_TIMEZONE` is refused too (exit 2)',
  },
  retentionDailyDays: {
    name: 'WAREHOUSE_RETENTION_DAILY_DAYS', type: 'int', min: 1, max: 100_000, default: 65,
    doc: 'device days, patch status and daily counts kept (never less than the month in progress, see Retention)',
  },
  retentionMonthEndMonths: { name: 'WAREHOUSE_RETENTION_MONTH_END_MONTHS', type: 'int', min: 1, max: 10_000, default: 24, doc: 'month-end tables kept' },
  retentionRunMonths: { name: 'WAREHOUSE_RETENTION_RUN_MONTHS', type: 'int', min: 1, max: 10_000, default: 24, doc: 'run history kept' },
  retentionRawDays: { name: 'WAREHOUSE_RETENTION_RAW_DAYS', type: 'int', min: 1, max: 100_000, default: 7, doc: 'raw vendor pages kept' },
  retentionLockTimeout: {
    name: 'WAREHOUSE_RETENTION_LOCK_TIMEOUT_MS', type: 'duration', unit: 'ms', min: 10, max: 600_000, default: 5000,
    doc: 'how long retention waits for a partition a query is using',
  },
  dashboardToken: {
    name: 'WAREHOUSE_DASHBOARD_TOKEN', type: 'string', secret: true,
    doc: '`serve`: the dashboard\'s credentials, a token (HTTP Basic password or bearer) or `user:password`, at least 16 characters; required to bind beyond 127.0.0.1',
  },
  dashboardDatabaseUrl: {
    name: 'WAREHOUSE_DASHBOARD_DATABASE_URL', type: 'url', secret: true, defaultDoc: '`DATABASE_URL`',
    doc: '`serve`: the PostgreSQL login the dashboard reads as; every session runs `SET ROLE warehouse_reader`, so the login must be a member of it',
  },
  dashboardStatementTimeout: {
    name: 'WAREHOUSE_DASHBOARD_STATEMENT_TIMEOUT_MS', type: 'duration', unit: 'ms', min: 100, max: 600_000, default: 10_000,
    doc: '`serve`: the longest a page\'s query may run (statement_timeout); a slower page answers 503',
  },
  // What `systemd notify` and the alerts hand WAREHOUSE_NOTIFY_COMMAND: set by the warehouse, read by the operator's command.
  notifyUnit: { name: 'WAREHOUSE_NOTIFY_UNIT', type: 'string', audience: 'internal', doc: 'set for `WAREHOUSE_NOTIFY_COMMAND`: the failed unit, or `alerts` for new alerts' },
  notifySubject: { name: 'WAREHOUSE_NOTIFY_SUBJECT', type: 'string', audience: 'internal', doc: 'set for `WAREHOUSE_NOTIFY_COMMAND`: the message\'s subject line' },
  notifyMessage: { name: 'WAREHOUSE_NOTIFY_MESSAGE', type: 'string', audience: 'internal', doc: 'set for `WAREHOUSE_NOTIFY_COMMAND`: the whole message (also on its stdin)' },
  // Read outside the TypeScript sources: tests/setup/postgres.ts and the plain JavaScript launcher bin/warehouse.js.
  testNoContainers: {
    name: 'WAREHOUSE_TEST_NO_CONTAINERS', type: 'bool', audience: 'internal',
    doc: 'any value: the test suite does not try a PostgreSQL container (`TEST_DATABASE_URL` or the embedded one)',
  },
  fromSources: { name: 'WAREHOUSE_FROM_SOURCES', type: 'bool', audience: 'internal', doc: '`1`: run the TypeScript sources even when a fresh `dist/` exists' },
} as const satisfies Record<string, KeyDeclaration>;

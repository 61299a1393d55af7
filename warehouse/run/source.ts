/**
 * The run contract, defined by the warehouse: what a vendor folder (collectors/ninjaone, threatlocker,
 * pmp) implements and the run lifecycle (./runner.ts) drives. A source declares how to read its
 * configuration and how to collect one snapshot into a RunSink; the lifecycle owns locking, staging,
 * the completeness gate and the one-transaction publish. A collector never writes SQL: its rows reach
 * the database only through the sink (./sink.ts). Types only, so a vendor folder depends on nothing
 * here but the contract.
 */
import type { Logger } from 'pino';
import type { AliasRow, DeviceRow, PatchStatusRow, PatchSummaryRow, VulnDbStatusRow } from '../rows.js';
import type { RequestBudget } from './budget.js';
import type { Simulator } from './simulator.js';
import type { PhaseClock } from './phases.js';

export { SOURCE_NAMES, type SourceName } from '../config.js';
import type { SourceName } from '../config.js';

export type { ConfigReader } from '../config.js';
import type { ConfigReader } from '../config.js';
import type { KeyDeclaration } from '../config-keys.js';

/** Everything a collector may use while it runs. */
export interface CollectContext<Config> {
  config: Config;
  /** The snapshot day (YYYY-MM-DD, in the MSP's time zone), fixed when the run started. */
  snapshotDay: string;
  log: Logger;
  /** Shared per-run request budget; createHttp() counts against it. */
  budget: RequestBudget;
  /** Aborted when the run is being cancelled (signal, timeout). */
  signal: AbortSignal;
  /** Progress for humans on a terminal; a no-op otherwise. */
  progress(stream: string, done: number, total?: number): void;
  sink: RunSink;
  /** Where the run's time goes (HTTP, JSON parsing, mapping): absent outside a run. */
  phases?: PhaseClock;
}

/**
 * Where collected rows go. Every write awaits back-pressure (rows are COPYed into a run-scoped
 * staging table as they arrive), so a collector stays flat in memory: write each page, then fetch the next.
 */
export interface RunSink {
  aliases(rows: AliasRow[]): Promise<void>;
  devices(rows: DeviceRow[]): Promise<void>;
  patchStatus(rows: PatchStatusRow[]): Promise<void>;
  patchSummary(row: PatchSummaryRow): Promise<void>;
  /** PMP's vulnerability-database update status, or why it could not be read (stored per source-day). */
  vulnDbStatus(row: VulnDbStatusRow): Promise<void>;
  /** Keep a vendor page as received (raw payloads are kept 7 days for audits and schema drift). */
  rawPage(stream: string, page: number, payload: unknown): Promise<void>;
  /**
   * The vendor's own total for a stream (ThreatLocker totalRows, PMP total). The gate refuses to
   * publish when the staged count differs.
   */
  expectTotal(stream: 'devices' | 'patch_status', total: number): void;
  /** Count a fetched page for the run summary. */
  page(stream: string): void;
  /**
   * Set aside a record the mapper could not trust (missing id, unexpected type), with the reason and
   * the vendor's payload. Quarantined records are not published; past a threshold the run is refused.
   * Rows handed to devices()/patchStatus() are validated too and quarantined the same way.
   */
  quarantine(stream: 'devices' | 'patch_status', record: { vendorId: string | null; reason: string; payload: unknown }): Promise<void>;
  /**
   * An optional stream failed (e.g. PMP 403 on an endpoint outside the token's scope). The run still
   * publishes what the required streams delivered and exits 3 (partial).
   */
  optionalStreamFailed(stream: string, error: Error): void;
  /**
   * A supplementary stream failed (PMP dbupdatestatus): nothing the run publishes depends on it, so
   * the run keeps its status (succeeded stays succeeded, exit 0); the failure is recorded on the run
   * (ops.sync_runs.details.supplementFailures) and by the stream's own row.
   */
  supplementFailed(stream: string, error: Error): void;
}

/** What the run lifecycle reads of every source's configuration: the budget is the source's key, the run spends it. */
export interface SourceConfig {
  /** Cap on HTTP attempts (retries included) for one run (`<SOURCE>_REQUEST_BUDGET`). */
  readonly requestBudget: number;
}

export interface Source<Config extends SourceConfig = SourceConfig> {
  name: SourceName;
  /**
   * The configuration keys this source reads (DESIGN.md §5), and which are secrets (never logged):
   * lists derived from `declared`, the source's key table (keyLists in warehouse/config-keys.ts).
   */
  keys: { required: readonly string[]; optional: readonly string[]; secrets: readonly string[]; declared: readonly KeyDeclaration[] };
  /**
   * Parse configuration. Returns null when none of the source's keys is set (not configured: nightly
   * skips it); throws ConfigError naming the key and the fix when half-configured or invalid.
   */
  loadConfig(reader: ConfigReader): Config | null;
  /** Values that must never appear in logs or errors (the resolved secrets). */
  secretsOf(config: Config): string[];
  /** Collect one complete snapshot into ctx.sink. Throw a CollectorError subclass on failure. */
  collect(ctx: CollectContext<Config>): Promise<void>;
  /** Start this vendor's simulator (tests, demo, `warehouse simulate`). */
  simulator(options: { devices: number; seed: number; date: string; port?: number }): Promise<Simulator>;
}

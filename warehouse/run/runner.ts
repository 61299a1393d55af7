/**
 * One source-day: lock, record the run, fetch pages into run-scoped staging, gate, publish in one
 * transaction, and one summary log line. A refused or failed run leaves published data untouched.
 */
import type { Logger } from 'pino';
import type { Source } from './source.js';
import { createBudget, type RequestBudget } from './budget.js';
import { createStagingSink, type StagingSink } from './sink.js';
import { createPhaseClock } from './phases.js';
import { insertRun, recordDuration, recordFailed, recordPublished, type FailedRun, type RunStatus } from './sync-runs.js';
import { redact } from '../redact.js';
import { dayBounds, loadWarehouseConfig, type Env } from '../config.js';
import { openDatabase, asDatabaseError, type Sql } from '../db.js';
import { ConfigError, DatabaseUnavailableError, EXIT, UsageError, VendorUnavailableError, WarehouseError, type ExitCode } from '../errors.js';
import { silentLogger } from '../log.js';
import { recordTimeZone } from '../settings.js';
import { snapshotDayOf, todayIn } from '../time.js';
import { runGate } from '../load/gate.js';
import { writeMetrics } from '../metrics.js';
import { loadSiteMap, type SiteMapEntry } from '../sites/site-map.js';
import { acquireSourceLock, releaseSourceLock, sweepAbandonedRuns } from '../load/lock.js';
import { publish, type PublishResult } from '../load/publish.js';
import { createStaging, dropStaging } from '../load/staging.js';

export type { RunStatus } from './sync-runs.js';

export interface RunResult {
  runId: number;
  status: RunStatus;
  exitCode: ExitCode;
  snapshotDay: string;
  rows: { devices: number; aliases: number; patchStatus: number; changed: number };
  pages: number;
  requests: number;
  retries: number;
  durationMs: number;
  /** Milliseconds per phase (http, json_parse, mapping, raw_pages, staging_copy, gate, publish; overlapping phases each count). */
  phasesMs: Record<string, number>;
  error?: WarehouseError;
}

export interface RunCollectOptions {
  source: Source<any>;
  env: Env;
  /** Overrides DATABASE_URL (the CLI passes the embedded database's URL). */
  databaseUrl?: string;
  date?: string;
  /** The day taken as today for bounding `date` (default today in WAREHOUSE_TIMEZONE): tests and replays choose their clock. */
  today?: string;
  /**
   * Take `date` even though it is before today: only for data that really is of that day (a replay of
   * recorded vendor data, a simulator set to it). The run is recorded as taken late.
   */
  acceptPastDate?: boolean;
  instance?: string;
  acceptShrink?: boolean;
  force?: boolean;
  log?: Logger;
  progress?: (stream: string, done: number, total?: number) => void;
  signal?: AbortSignal;
  /** Give up after this long (default WAREHOUSE_RUN_TIMEOUT_MINUTES, 120): a stalled vendor or database must not hang the night. */
  timeoutMs?: number;
  /** Test hooks at the two moments a kill must not corrupt anything. */
  hooks?: { afterStaged?: () => Promise<void>; afterGate?: () => Promise<void>; insidePublish?: () => Promise<void> };
}

export async function runCollect(options: RunCollectOptions): Promise<RunResult> {
  const started = Date.now();
  const config = loadWarehouseConfig(options.env);
  const { source } = options;
  const sourceConfig = source.loadConfig(config.reader);
  if (sourceConfig === null) {
    const key = source.keys.required[0] ?? source.name.toUpperCase();
    throw new ConfigError(key, `${source.name} is not configured`, `Set ${source.keys.required.join(', ')} (see README, "Configure each vendor").`);
  }
  const url = options.databaseUrl ?? config.databaseUrl;
  if (!url) throw new UsageError('no database to publish into', 'Set DATABASE_URL, or run through the warehouse CLI, which starts the embedded database.');
  // Judged once, at the start: a run that started before midnight and finishes after keeps its day.
  const bounds = { ...dayBounds(config), ...(options.today ? { today: options.today } : {}) };
  const snapshotDay = options.date ? snapshotDayOf(options.date, bounds, { acceptPastDate: options.acceptPastDate ?? false }) : todayIn(config.timeZone);
  // Taken after its day: only a past day accepted for a replay (a run without --date is of its own day).
  const takenLate = Boolean(options.date) && snapshotDay < bounds.today;
  // The operator's mapping file is read at every run; a bad line stops here, before anything is fetched.
  const siteMap = loadSiteMap(config.reader);
  const instance = options.instance ?? 'default';
  const log = (options.log ?? silentLogger).child({ source: source.name, instance, snapshotDay });
  // The source parsed its <SOURCE>_REQUEST_BUDGET with the rest of its keys; the run spends it.
  const budget = createBudget(sourceConfig.requestBudget);
  // judgeStall finds the run's sessions by this name.
  const applicationName = `collector:${source.name}`;
  const database = openDatabase(url, { applicationName, max: 6 });
  const { sql } = database;
  // The deadline aborts the vendor calls and destroys the database connections: every pending query
  // rejects, nothing half-done commits, and the run is recorded as failed (or swept as abandoned).
  const timeoutMs = options.timeoutMs ?? config.runTimeoutMs;
  const deadline = new AbortController();
  options.signal?.addEventListener('abort', () => deadline.abort(options.signal?.reason));
  const timer = setTimeout(() => {
    // Judge whose stall it is while the run's statements are still where they stopped, then end them.
    void judgeStall(url, source.name, applicationName, `the run exceeded its deadline of ${Math.round(timeoutMs / 1000)} s`).then((error) => {
      deadline.abort(error);
      void sql.end({ timeout: 0 });
    });
  }, timeoutMs);
  timer.unref();
  try {
    const sourceInstanceId = await ensureSourceInstance(sql, source.name, instance).catch((error: unknown) => { throw asDatabaseError(error); });
    // The run's day is a day of this zone: the views learn it, to end days where the collectors do.
    await recordTimeZone(sql, config.timeZone);
    const lock = await acquireSourceLock(sql, sourceInstanceId, `${source.name} (${instance})`);
    try {
      await sweepAbandonedRuns(sql);
      const runId = await insertRun(sql, {
        sourceInstanceId, snapshotDay, takenLate, acceptShrink: options.acceptShrink ?? false, forced: options.force ?? false,
      });
      const runLog = log.child({ runId });
      const result = await executeRun({
        ...options, signal: deadline.signal, sql, databaseUrl: url, runId, sourceInstanceId, snapshotDay, sourceConfig, budget, log: runLog,
        createsSites: config.siteSource === source.name, siteMap,
        keepRawPages: config.rawPages !== 'off',
        maxQuarantineShare: config.quarantineMaxShare,
      });
      result.durationMs = Date.now() - started;
      // After the deadline the run's connections are gone; its outcome was recorded over a fresh one.
      await recordDuration(sql, runId, result.durationMs)
        .catch((error: unknown) => { if (!deadline.signal.aborted) throw error; });
      if (config.metricsFile) await writeMetrics(sql, config.metricsFile).catch((err: unknown) => runLog.warn({ err }, 'metrics file not written'));
      // runId and snapshotDay are bindings of runLog already: repeated here they would be duplicate JSON keys.
      const { error, runId: _runId, snapshotDay: _snapshotDay, ...summary } = result;
      runLog[result.exitCode === EXIT.ok ? 'info' : result.exitCode === EXIT.partial ? 'warn' : 'error'](
        { ...summary, error: error ? { code: error.code, message: error.message } : undefined }, `run ${result.status}`);
      return result;
    } finally {
      await releaseSourceLock(lock, sourceInstanceId).catch(() => {});
    }
  } catch (error) {
    if (deadline.signal.aborted) throw await deadlineError(url, source.name, deadline.signal);
    throw asDatabaseError(error);
  } finally {
    clearTimeout(timer);
    await database.close().catch(() => {});
  }
}

async function ensureSourceInstance(sql: Sql, source: string, instance: string): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into ops.source_instances (source, instance) values (${source}, ${instance})
    on conflict (source, instance) do update set source = excluded.source
    returning source_instance_id as id`;
  return row?.id as number;
}

interface ExecuteInput extends RunCollectOptions {
  sql: Sql;
  databaseUrl: string;
  runId: number;
  sourceInstanceId: number;
  snapshotDay: string;
  sourceConfig: unknown;
  budget: RequestBudget;
  log: Logger;
  createsSites: boolean;
  siteMap: readonly SiteMapEntry[];
  keepRawPages: boolean;
  maxQuarantineShare: number;
}

async function executeRun(input: ExecuteInput): Promise<RunResult> {
  const { sql, runId, snapshotDay, budget, log } = input;
  const base = (): RunResult => ({
    runId, status: 'failed', exitCode: EXIT.internal, snapshotDay,
    rows: { devices: 0, aliases: 0, patchStatus: 0, changed: 0 },
    pages: 0, requests: budget.used(), retries: budget.retries(), durationMs: 0, phasesMs: phases.totals(),
  });
  const phases = createPhaseClock();
  let sink: StagingSink | undefined;
  const staging = await createStaging(sql, runId);
  try {
    await sql`select core.ensure_partitions(${snapshotDay}::date)`;
    sink = await createStagingSink({ sql, staging, runId, snapshotDay, keepRawPages: input.keepRawPages, source: input.source.name, phases });
    // A deadline must also end a run stalled inside COPY (after the last page), not only vendor calls.
    const staged = sink;
    input.signal?.addEventListener('abort', () => staged.abort(new Error(String(input.signal?.reason ?? 'aborted'))), { once: true });
    const controller = new AbortController();
    input.signal?.addEventListener('abort', () => controller.abort(input.signal?.reason));
    await input.source.collect({
      config: input.sourceConfig, snapshotDay, log, budget, signal: controller.signal,
      progress: input.progress ?? (() => {}), sink, phases,
    });
    const counted = await phases.time('staging_copy', () => staged.finish());
    await input.hooks?.afterStaged?.();
    const gate = await phases.time('gate', () => runGate({
      sql, staging, sourceInstanceId: input.sourceInstanceId, snapshotDay,
      orgExternalIds: staged.aliasRows.filter((a) => a.parentExternalId === null).map((a) => a.externalId),
      expectedTotals: staged.totals, quarantined: staged.quarantined, maxQuarantineShare: input.maxQuarantineShare,
      acceptShrink: input.acceptShrink ?? false, force: input.force ?? false,
    }));
    await input.hooks?.afterGate?.();
    const partial = sink.optionalFailures.length > 0;
    const status: RunStatus = partial ? 'partial' : 'succeeded';
    const result: RunResult = {
      ...base(), status, exitCode: partial ? EXIT.partial : EXIT.ok,
      rows: { devices: counted.devices, aliases: sink.aliasRows.length, patchStatus: counted.patchStatus, changed: 0 },
      pages: sink.pageCount(),
    };
    const finalSink = sink;
    const publishHooks = input.hooks?.insidePublish ? { afterDeviceDays: input.hooks.insidePublish } : {};
    await phases.time('publish', () => publish({
      sql, runId, source: input.source.name, sourceInstanceId: input.sourceInstanceId, snapshotDay, staging,
      aliases: finalSink.aliasRows, summary: finalSink.summary, vulnDb: finalSink.vulnDb, complete: !partial, createsSites: input.createsSites,
      force: input.force ?? false, siteMap: input.siteMap, ...publishHooks,
      finish: async (tx, published: PublishResult) => {
        result.rows.changed = published.devicesChanged + published.devicesRemoved;
        result.requests = budget.used();
        result.retries = budget.retries();
        const failures = finalSink.optionalFailures.map((f) => `${f.stream}: ${redact(f.error.message)}`);
        const supplementFailures = finalSink.supplementFailures.map((f) => `${f.stream}: ${redact(f.error.message)}`);
        await recordPublished(tx, runId, {
          status, exitCode: result.exitCode,
          rows: { devices: counted.devices, aliases: finalSink.aliasRows.length, patchStatus: counted.patchStatus, changed: result.rows.changed },
          pages: result.pages, requests: result.requests, retries: result.retries,
          error: partial ? { code: 'ERR_PARTIAL', message: failures.join('; ') } : null,
          details: { gate, published, optionalFailures: failures, supplementFailures, quarantined: Object.fromEntries(finalSink.quarantined) },
        });
      },
    }));
    result.phasesMs = phases.totals();
    return result;
  } catch (thrown) {
    sink?.abort(thrown instanceof Error ? thrown : new Error(String(thrown)));
    await sink?.settle();
    const error = input.signal?.aborted
      ? await deadlineError(input.databaseUrl, input.source.name, input.signal)
      : classifyRunError(thrown);
    const status: RunStatus = error.exitCode === EXIT.gateRefused ? 'refused' : 'failed';
    const outcome: FailedRun = { status, error, requests: budget.used(), retries: budget.retries(), pages: sink?.pageCount() ?? 0 };
    await recordFailed(sql, runId, outcome).catch(async () => {
      // The run's client ends with a lost connection; the server may be back already (a restart), so
      // a fresh connection records why the run failed instead of leaving it to be swept as abandoned.
      // Not after a deadline the database itself caused (it is known not to answer), and never for long.
      if (input.signal?.aborted && error instanceof DatabaseUnavailableError) return;
      const fresh = openDatabase(input.databaseUrl, { applicationName: `collector:${input.source.name}`, max: 1 });
      const giveUp = setTimeout(() => { void fresh.sql.end({ timeout: 0 }); }, RECORD_AFRESH_MS);
      try {
        await recordFailed(fresh.sql, runId, outcome);
      } finally {
        clearTimeout(giveUp);
        await fresh.close();
      }
    }).catch(() => {});
    return { ...base(), status, exitCode: error.exitCode, pages: outcome.pages, error };
  } finally {
    await dropStaging(sql, runId).catch(() => {});
  }
}

/** How long the deadline's look at the database may take. */
const DEADLINE_PROBE_MS = 2000;

/**
 * The run's deadline fired: whose stall is it? A database that does not answer a fresh connection,
 * or one where a statement of this run is still running or waiting (on a lock, on I/O; not on the
 * client, which is what an open COPY waiting for vendor pages does) for more than a moment (a short
 * statement caught in flight is not a stall), is the database's (exit 8);
 * otherwise the run was waiting on the vendor (exit 7, DESIGN.md §5).
 */
async function judgeStall(url: string, source: string, applicationName: string, reason: string): Promise<WarehouseError> {
  const probe = openDatabase(url, { applicationName: 'collector:deadline-probe', max: 1 });
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), DEADLINE_PROBE_MS); });
  try {
    const busy = await Promise.race([
      probe.sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
        where application_name = ${applicationName} and state = 'active' and wait_event_type is distinct from 'Client'
          and state_change < now() - interval '500 milliseconds'`
        .then((rows) => rows[0]?.n ?? 0, () => undefined),
      gaveUp,
    ]);
    if (busy === undefined) return new DatabaseUnavailableError(`${source}: ${reason}, and PostgreSQL does not answer; nothing was published`);
    if (busy > 0) {
      return new DatabaseUnavailableError(`${source}: ${reason} waiting for PostgreSQL (a statement of the run was still running or waiting for a lock); nothing was published`, {
        hint: 'Look for long-running queries or held locks (pg_stat_activity, pg_locks) and for the server being overloaded, then re-run; the previous snapshot is untouched.',
      });
    }
    return new VendorUnavailableError(source, `${reason} waiting for the vendor's API (the database answers); nothing was published`, {});
  } finally {
    clearTimeout(timer);
    await probe.sql.end({ timeout: 0 }).catch(() => {});
  }
}

/** The error a deadline or an outside abort ends the run with: the deadline's judgement, or one made now. */
async function deadlineError(url: string, source: string, signal: AbortSignal): Promise<WarehouseError> {
  if (signal.reason instanceof WarehouseError) return signal.reason;
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
  return judgeStall(url, source, `collector:${source}`, reason);
}

/** How long a failed run may spend recording its failure over a fresh connection. */
const RECORD_AFRESH_MS = 3000;

/**
 * Vendor failures keep their typed exit codes (an HTTP failure reaches here typed already: the vendor
 * kit's defineSource converts it); database trouble is 8; anything else is a bug (1), never "vendor unavailable".
 */
function classifyRunError(thrown: unknown): WarehouseError {
  const error = asDatabaseError(thrown);
  if (error instanceof WarehouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WarehouseError('ERR_INTERNAL', EXIT.internal, redact(message),
    'An unexpected error; nothing was published. Report it with this log line.', { cause: error });
}


/** The RunSink handed to a collector: devices and patch rows stream into staging; the rest is small and kept. */
import type { Sql } from 'postgres';
import type { AliasRow, DeviceRow, PatchStatusRow, PatchSummaryRow, VulnDbStatusRow } from '../rows.js';
import type { RunSink } from './source.js';
import { createCopyWriter, type CopyWriter } from '../load/copy.js';
import { STAGED_DEVICE_COLUMNS, STAGED_PATCH_COLUMNS, encodeDevice, encodePatch, type StagingTables } from '../load/staging.js';
import { aliasProblem, deviceProblem, patchProblem } from '../load/validate.js';
import { PayloadError } from '../errors.js';
import { cleanJson, cleanText, jsonbSafe, jsonbText } from '../load/clean-text.js';
import { NO_PHASE_CLOCK, type PhaseClock } from './phases.js';

/** Beyond this many, quarantined records are counted but not stored (a whole fleet gone bad is one finding). */
const QUARANTINE_STORED_MAX = 1000;
/**
 * Raw-page inserts the collector does not wait for: PostgreSQL parses and compresses a page (a
 * fifth of a second for 1,000 devices) while the next one is fetched. They are pipelined on one
 * reserved connection: on the shared pool, postgres.js would pipeline a query onto a busy connection
 * once all are taken, and one of those is in COPY mode. Each in flight holds one page of text.
 */
const RAW_PAGES_IN_FLIGHT = 3;

export interface StagingSink extends RunSink {
  aliasRows: AliasRow[];
  summary: PatchSummaryRow | undefined;
  vulnDb: VulnDbStatusRow | undefined;
  supplementFailures: Array<{ stream: string; error: Error }>;
  totals: Map<string, number>;
  pageCount(): number;
  optionalFailures: Array<{ stream: string; error: Error }>;
  quarantined: Map<string, number>;
  finish(): Promise<{ devices: number; patchStatus: number }>;
  abort(error: Error): void;
  /** Wait for the raw pages still being written (a failed run keeps what it fetched); never throws. */
  settle(): Promise<void>;
}

export async function createStagingSink(options: {
  sql: Sql;
  staging: StagingTables;
  runId: number;
  snapshotDay: string;
  keepRawPages: boolean;
  /** The source's name, for the errors the sink raises. */
  source: string;
  phases?: PhaseClock;
}): Promise<StagingSink> {
  const { sql, staging, runId, snapshotDay } = options;
  const phases = options.phases ?? NO_PHASE_CLOCK;
  const devices: CopyWriter<DeviceRow> = await createCopyWriter(sql, staging.devices, STAGED_DEVICE_COLUMNS, encodeDevice);
  const patches: CopyWriter<PatchStatusRow> = await createCopyWriter(sql, staging.patch, STAGED_PATCH_COLUMNS, encodePatch);
  let pages = 0;
  let stored = 0;
  const rawWrites = new Set<Promise<void>>();
  let rawFailure: unknown;
  const raw = options.keepRawPages ? await sql.reserve() : undefined;
  let released = false;
  const rawWritten = async (): Promise<void> => {
    await Promise.all(rawWrites);
    if (!released) raw?.release();
    released = true;
    if (rawFailure !== undefined) throw rawFailure;
  };
  const quarantined = new Map<string, number>();
  const setAside = async (stream: 'devices' | 'patch_status', vendorId: string | null, reason: string, payload: unknown) => {
    quarantined.set(stream, (quarantined.get(stream) ?? 0) + 1);
    if (stored >= QUARANTINE_STORED_MAX) return;
    stored += 1;
    // What the vendor sent may hold NUL or lone surrogates: the id and reason are cleaned, the payload kept exactly.
    const { json, verbatim } = jsonbSafe(payload);
    await sql`insert into ops.quarantine (run_id, stream, vendor_id, reason, payload, payload_verbatim)
      values (${runId}, ${stream}, ${vendorId === null ? null : cleanText(String(vendorId).slice(0, 200))}, ${cleanText(reason)},
        ${sql.json(json as never)}, ${verbatim})`;
  };
  /** Stage the rows that pass validation; quarantine the rest with their reason. */
  const screen = async <Row extends { vendorId: string }>(stream: 'devices' | 'patch_status', rows: Row[], problem: (row: Row) => string | undefined): Promise<Row[]> => {
    const good: Row[] = [];
    for (const row of rows) {
      const reason = problem(row);
      if (reason === undefined) good.push(row);
      else await setAside(stream, typeof row.vendorId === 'string' && row.vendorId !== '' ? row.vendorId : null, reason, row);
    }
    return good;
  };
  const sink: StagingSink = {
    aliasRows: [],
    summary: undefined,
    vulnDb: undefined,
    supplementFailures: [],
    totals: new Map(),
    optionalFailures: [],
    pageCount: () => pages,
    // Aliases are few and reach SQL as parameters, where a NUL would fail the publish: cleaned here too.
    async aliases(rows) {
      for (const row of rows.map((r) => cleanJson(r)) as AliasRow[]) {
        const problem = aliasProblem(row);
        if (problem !== undefined) {
          throw new PayloadError(options.source, `${problem}: a client the warehouse cannot key (it would be a site's identity); nothing was published`, {
            hint: `Check that client in ${options.source} (its id must be at most 200 characters, without control characters); the previous snapshot is untouched.`,
          });
        }
        sink.aliasRows.push(row);
      }
    },
    quarantined,
    devices: (rows) => phases.time('staging_copy', async () => devices.write(await screen('devices', rows, (row) => deviceProblem(row)))),
    patchStatus: (rows) => phases.time('staging_copy', async () => patches.write(await screen('patch_status', rows, (row) => patchProblem(row)))),
    async quarantine(stream, record) { await setAside(stream, record.vendorId, record.reason, record.payload); },
    async patchSummary(row) { sink.summary = row; },
    async vulnDbStatus(row) { sink.vulnDb = row; },
    async rawPage(stream, page, payload) {
      if (raw === undefined) return;
      await phases.time('raw_pages_blocked', async () => {
        if (rawFailure !== undefined) throw rawFailure;
        while (rawWrites.size >= RAW_PAGES_IN_FLIGHT) await Promise.race(rawWrites);
        if (rawFailure !== undefined) throw rawFailure;
        // Encoded now: the payload is the page as received, whatever the collector does with it next.
        const { text, verbatim } = jsonbText(payload);
        const write: Promise<void> = phases.time('raw_pages', async () => {
          await raw`insert into raw.pages (snapshot_day, run_id, stream, page_no, fetched_at, payload, payload_verbatim)
            values (${snapshotDay}, ${runId}, ${stream}, ${page}, now(), ${text}::text::jsonb, ${verbatim})`;
        }).catch((error: unknown) => { rawFailure ??= error; }).finally(() => { rawWrites.delete(write); });
        rawWrites.add(write);
      });
    },
    expectTotal(stream, total) { sink.totals.set(stream, total); },
    page() { pages += 1; },
    optionalStreamFailed(stream, error) { sink.optionalFailures.push({ stream, error }); },
    supplementFailed(stream, error) { sink.supplementFailures.push({ stream, error }); },
    async finish() {
      const [d, p] = await Promise.all([devices.end(), patches.end(), phases.time('raw_pages_blocked', rawWritten)]);
      return { devices: d, patchStatus: p };
    },
    async settle() {
      await rawWritten().catch(() => {});
    },
    abort(error) {
      devices.destroy(error);
      patches.destroy(error);
    },
  };
  return sink;
}

/** The RunSink handed to a collector: devices and patch rows stream into staging; the rest is small and kept. */
import type { Sql } from 'postgres';
import type { AliasRow, DeviceRow, PatchStatusRow, PatchSummaryRow } from '../../warehouse/rows.js';
import type { RunSink } from './source.js';
import { createCopyWriter, type CopyWriter } from '../../warehouse/load/copy.js';
import { DEVICE_COLUMNS, PATCH_COLUMNS, encodeDevice, encodePatch, type StagingTables } from '../../warehouse/load/staging.js';

export interface StagingSink extends RunSink {
  aliasRows: AliasRow[];
  summary: PatchSummaryRow | undefined;
  totals: Map<string, number>;
  pageCount(): number;
  optionalFailures: Array<{ stream: string; error: Error }>;
  finish(): Promise<{ devices: number; patchStatus: number }>;
  abort(error: Error): void;
}

export async function createStagingSink(options: {
  sql: Sql;
  staging: StagingTables;
  runId: number;
  snapshotDay: string;
  keepRawPages: boolean;
}): Promise<StagingSink> {
  const { sql, staging, runId, snapshotDay } = options;
  const devices: CopyWriter<DeviceRow> = await createCopyWriter(sql, staging.devices, DEVICE_COLUMNS, encodeDevice);
  const patches: CopyWriter<PatchStatusRow> = await createCopyWriter(sql, staging.patch, PATCH_COLUMNS, encodePatch);
  let pages = 0;
  const sink: StagingSink = {
    aliasRows: [],
    summary: undefined,
    totals: new Map(),
    optionalFailures: [],
    pageCount: () => pages,
    async aliases(rows) { sink.aliasRows.push(...rows); },
    devices: (rows) => devices.write(rows),
    patchStatus: (rows) => patches.write(rows),
    async patchSummary(row) { sink.summary = row; },
    async rawPage(stream, page, payload) {
      if (!options.keepRawPages) return;
      await sql`insert into raw.pages (snapshot_day, run_id, stream, page_no, fetched_at, payload)
        values (${snapshotDay}, ${runId}, ${stream}, ${page}, now(), ${sql.json(payload as never)})`;
    },
    expectTotal(stream, total) { sink.totals.set(stream, total); },
    page() { pages += 1; },
    optionalStreamFailed(stream, error) { sink.optionalFailures.push({ stream, error }); },
    async finish() {
      const [d, p] = await Promise.all([devices.end(), patches.end()]);
      return { devices: d, patchStatus: p };
    },
    abort(error) {
      devices.destroy(error);
      patches.destroy(error);
    },
  };
  return sink;
}

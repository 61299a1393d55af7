/** A RunSink that keeps everything in memory, for collector tests that check mapping against a simulator's truth. */
import pino from 'pino';
import type { AliasRow, DeviceRow, PatchStatusRow, PatchSummaryRow, VulnDbStatusRow } from '../../collectors/shared/rows.js';
import type { CollectContext, RunSink } from '../../warehouse/run/source.js';
import { createBudget } from '../../collectors/shared/http.js';

export interface MemorySink extends RunSink {
  aliasRows: AliasRow[];
  deviceRows: DeviceRow[];
  patchRows: PatchStatusRow[];
  summaries: PatchSummaryRow[];
  vulnDbRows: VulnDbStatusRow[];
  supplementFailures: Array<{ stream: string; error: Error }>;
  rawPages: Array<{ stream: string; page: number }>;
  totals: Map<string, number>;
  pages: Map<string, number>;
  optionalFailures: Array<{ stream: string; error: Error }>;
  quarantined: Array<{ stream: string; vendorId: string | null; reason: string }>;
}

export function createMemorySink(): MemorySink {
  const sink: MemorySink = {
    aliasRows: [], deviceRows: [], patchRows: [], summaries: [], vulnDbRows: [], supplementFailures: [], rawPages: [],
    totals: new Map(), pages: new Map(), optionalFailures: [], quarantined: [],
    async aliases(rows) { sink.aliasRows.push(...rows); },
    async devices(rows) { sink.deviceRows.push(...rows); },
    async patchStatus(rows) { sink.patchRows.push(...rows); },
    async patchSummary(row) { sink.summaries.push(row); },
    async vulnDbStatus(row) { sink.vulnDbRows.push(row); },
    supplementFailed(stream, error) { sink.supplementFailures.push({ stream, error }); },
    async rawPage(stream, page) { sink.rawPages.push({ stream, page }); },
    expectTotal(stream, total) { sink.totals.set(stream, total); },
    page(stream) { sink.pages.set(stream, (sink.pages.get(stream) ?? 0) + 1); },
    optionalStreamFailed(stream, error) { sink.optionalFailures.push({ stream, error }); },
    async quarantine(stream, record) { sink.quarantined.push({ stream, vendorId: record.vendorId, reason: record.reason }); },
  };
  return sink;
}

/** A CollectContext around a memory sink, with a silent logger and a generous budget. */
export function memoryContext<Config>(config: Config, options: { snapshotDay?: string; budget?: number } = {}): CollectContext<Config> & { sink: MemorySink } {
  return {
    config,
    snapshotDay: options.snapshotDay ?? new Date().toISOString().slice(0, 10),
    log: pino({ level: 'silent' }),
    budget: createBudget(options.budget ?? 100_000),
    signal: new AbortController().signal,
    progress() {},
    sink: createMemorySink(),
  };
}

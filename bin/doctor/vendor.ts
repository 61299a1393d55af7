/**
 * One vendor, checked through its own collector: authenticate and read the first page of the first
 * stream, then stop. The probe runs the real client (URLs, credentials, paging, budget) against a
 * sink that keeps nothing and ends the run at the first page, so it reads exactly what a collect
 * would, one page deep, and writes nothing anywhere.
 */
import pino from 'pino';
import { createBudget } from '../../collectors/shared/http.js';
import type { RunSink, Source, SourceConfig } from '../../warehouse/run/source.js';
import { EXIT } from '../../warehouse/errors.js';
import { failed, ok, type Check } from './check.js';

/** Thrown by the probe's sink at the first page: the only "error" that means success. */
class FirstPageRead extends Error {
  constructor(readonly stream: string) { super(`first page of ${stream} read`); }
}

const PROBE_SECONDS = 60;

/** `reached` records the first page even when the collector wraps the sentinel in an error of its own. */
function probeSink(reached: { stream?: string }): RunSink {
  const stop = (stream: string): never => { reached.stream ??= stream; throw new FirstPageRead(stream); };
  return {
    aliases: async () => {}, devices: async () => {}, patchStatus: async () => {}, patchSummary: async () => {},
    rawPage: async (stream) => stop(stream),
    expectTotal: () => {},
    page: (stream) => stop(stream),
    quarantine: async () => {},
    optionalStreamFailed: (_stream, error) => { throw error; },
    vulnDbStatus: async () => {},
    supplementFailed: () => {},
  } as RunSink;
}

export async function checkVendor(source: Source, config: SourceConfig, snapshotDay: string): Promise<Check> {
  const name = `${source.name} api`;
  // The budget the vendor's configuration parsed, as a collect would spend it.
  const limit = config.requestBudget;
  const budget = createBudget(limit);
  const controller = new AbortController();
  const reached: { stream?: string } = {};
  const timer = setTimeout(() => controller.abort(new Error(`no first page within ${PROBE_SECONDS} s`)), PROBE_SECONDS * 1000);
  try {
    await source.collect({
      config, snapshotDay, log: pino({ level: 'silent' }), budget, signal: controller.signal,
      progress: () => {}, sink: probeSink(reached),
    } as Parameters<Source['collect']>[0]);
    return ok(name, `read to the end in ${budget.used()} requests (an empty estate?); budget ${limit} per run`);
  } catch (error) {
    if (reached.stream !== undefined) return ok(name, `credentials accepted, first page of ${reached.stream} read in ${budget.used()} request(s); budget ${limit} per run`);
    if (controller.signal.aborted) return { name, status: 'fail', detail: `${source.name}: ${String((controller.signal.reason as Error).message)}`, fix: 'Check the base URL and the network path to the vendor.', exitCode: EXIT.vendorUnavailable };
    return failed(name, error);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

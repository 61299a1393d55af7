/** Shared setup for the ThreatLocker collector tests: config from the simulator, a memory sink, a fast retry policy. */
import { memoryContext } from '../../helpers/memory-sink.js';
import { threatlocker, type ThreatLockerConfig } from '../../../collectors/threatlocker/index.js';
import type { ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';

export function configFor(sim: ThreatLockerSimulator, env: Record<string, string> = {}, fastRetry = true): ThreatLockerConfig {
  const all = { ...sim.config, ...env };
  const config = threatlocker.loadConfig({ get: (key) => all[key] });
  if (!config) throw new Error('simulator config did not configure threatlocker');
  // Backoff without Retry-After is shortened so the 5xx tests run in milliseconds; Retry-After is still honoured as sent.
  return fastRetry ? { ...config, retry: { baseDelayMs: 5, maxDelayMs: 20 } } : config;
}

export async function collect(sim: ThreatLockerSimulator, options: { env?: Record<string, string>; day?: string; budget?: number } = {}) {
  const ctx = memoryContext(configFor(sim, options.env), {
    ...(options.day ? { snapshotDay: options.day } : {}),
    ...(options.budget ? { budget: options.budget } : {}),
  });
  await threatlocker.collect(ctx);
  return ctx;
}

/** Collect, expecting failure; returns the error and the context (requests made, rows staged). */
export async function collectFailing(sim: ThreatLockerSimulator, options: { env?: Record<string, string>; budget?: number } = {}) {
  const ctx = memoryContext(configFor(sim, options.env), options.budget ? { budget: options.budget } : {});
  try {
    await threatlocker.collect(ctx);
  } catch (error) {
    return { error: error as Error & { exitCode?: number; code?: string }, ctx };
  }
  throw new Error('collect succeeded but a failure was expected');
}

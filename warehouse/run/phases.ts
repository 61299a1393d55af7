/**
 * Where a run's time goes: milliseconds per named phase (HTTP, JSON parsing, mapping, raw pages,
 * staging COPY, gate, publish), summed over every time the phase was entered. Phases that overlap
 * (a page fetched while the previous one is written) each count their own wall time, so the totals
 * say what each part costs, not a partition of the run. Reported in the run's summary line and by
 * the B2 benchmark.
 */
export interface PhaseClock {
  /** Time an awaited step under `phase`. */
  time<T>(phase: string, work: () => Promise<T>): Promise<T>;
  /** Time a synchronous step under `phase`. */
  timeSync<T>(phase: string, work: () => T): T;
  /** Milliseconds per phase so far, rounded. */
  totals(): Record<string, number>;
}

export function createPhaseClock(): PhaseClock {
  const spent = new Map<string, number>();
  const add = (phase: string, since: number): void => { spent.set(phase, (spent.get(phase) ?? 0) + performance.now() - since); };
  return {
    async time(phase, work) {
      const since = performance.now();
      try {
        return await work();
      } finally {
        add(phase, since);
      }
    },
    timeSync(phase, work) {
      const since = performance.now();
      try {
        return work();
      } finally {
        add(phase, since);
      }
    },
    totals: () => Object.fromEntries([...spent].map(([phase, ms]) => [phase, Math.round(ms)])),
  };
}

/** A clock that keeps nothing, for contexts built without a run (collector tests). */
export const NO_PHASE_CLOCK: PhaseClock = {
  time: (_phase, work) => work(),
  timeSync: (_phase, work) => work(),
  totals: () => ({}),
};

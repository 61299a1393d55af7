/**
 * The clock a test runs under. Under libfaketime (../shared/checks/calendar runs the suite at month,
 * leap-day and year boundaries) every process of a run must share one shifted clock, or a collector
 * and its simulator disagree on "today"; a child started with an environment of the test's choosing
 * must be given the preload and its settings explicitly.
 */
import { Temporal } from 'temporal-polyfill';

const CLOCK_KEYS = /^(LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC|NO_FAKE_STAT)$/u;

/** Only what makes a child share this process's clock (libfaketime's preload and settings), if anything. */
export function clockEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && CLOCK_KEYS.test(e[0])));
}

/**
 * For the few tests that must run on the clock's own today (the rendered units run `collect` without
 * --date, as the timer does): wait until today has at least `marginMs` left in `timeZone`, so that
 * the test and every process it starts see one and the same day.
 */
export async function clearOfMidnight(timeZone: string, marginMs: number): Promise<void> {
  const now = Temporal.Now.zonedDateTimeISO(timeZone);
  const left = now.startOfDay().add({ days: 1 }).epochMilliseconds - now.epochMilliseconds;
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 1000));
}

/** Calendar logic in one place: snapshot days are plain dates in the MSP's time zone (Temporal). */
import { Temporal } from 'temporal-polyfill';
import { UsageError } from './errors.js';

/** Today's date in the given IANA time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Temporal.Instant = Temporal.Now.instant()): string {
  return now.toZonedDateTimeISO(timeZone).toPlainDate().toString();
}

/** Validate a --date argument. */
export function parseDay(value: string, flag = '--date'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/u.test(value)) throw new UsageError(`${flag} ${value} is not a date`, `Use YYYY-MM-DD, e.g. ${flag} 2026-01-31.`);
  try {
    return Temporal.PlainDate.from(value, { overflow: 'reject' }).toString();
  } catch {
    throw new UsageError(`${flag} ${value} is not a calendar date`, `Use a real date in YYYY-MM-DD form.`);
  }
}

/** The days a snapshot may be taken for: from the configured earliest day to tomorrow in the MSP's zone. */
export interface DayBounds { today: string; timeZone: string; earliest: string; earliestKey: string }

/**
 * Validate a --date that names a snapshot day. A day more than one day ahead would be served as the
 * current fleet and judge findings "as of" a future that never came; a day before the earliest would
 * create month-ends decades back. Tomorrow is allowed: a run started just before midnight in a zone
 * ahead of the host may name it.
 */
export function boundedDay(value: string, bounds: DayBounds, flag = '--date'): string {
  const day = parseDay(value, flag);
  const latest = addDays(bounds.today, 1);
  if (day > latest) {
    throw new UsageError(`${flag} ${day} is in the future (today is ${bounds.today} in ${bounds.timeZone})`,
      `A snapshot can only be taken of today's fleet: use a day up to ${latest}, or omit ${flag} for today.`);
  }
  if (day < bounds.earliest) {
    throw new UsageError(`${flag} ${day} is before the earliest day the warehouse accepts (${bounds.earliest}, ${bounds.earliestKey})`,
      `Check the date; if the warehouse really holds data that old, lower ${bounds.earliestKey}.`);
  }
  return day;
}

export function addDays(day: string, days: number): string {
  return Temporal.PlainDate.from(day).add({ days }).toString();
}

export function daysBetween(from: string, to: string): number {
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to), { largestUnit: 'days' }).days;
}

export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function lastDayOfMonth(month: string): string {
  const ym = Temporal.PlainYearMonth.from(month);
  return ym.toPlainDate({ day: ym.daysInMonth }).toString();
}

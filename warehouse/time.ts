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

/**
 * Validate the day a collection is taken for. A live vendor API lists only the fleet as it is now, so
 * a past day would store today's inventory as that day: a false snapshot in billing history. It is
 * refused unless the caller says the data really is of that day (a replay of recorded vendor data, a
 * simulator set to that day).
 */
export function snapshotDayOf(value: string, bounds: DayBounds, options: { acceptPastDate?: boolean; flag?: string } = {}): string {
  const flag = options.flag ?? '--date';
  const day = boundedDay(value, bounds, flag);
  if (day < bounds.today && options.acceptPastDate !== true) {
    throw new UsageError(
      `${flag} ${day} is in the past (today is ${bounds.today} in ${bounds.timeZone}): a live vendor API lists only today's fleet, so a missed day cannot be recovered from it`,
      `Nothing to re-collect: the month-end falls back to the last complete day before it, flagged not exact (is_exact false). Use --accept-past-date only to replay recorded vendor data or a simulator set to ${day}.`);
  }
  return day;
}

export function addDays(day: string, days: number): string {
  return Temporal.PlainDate.from(day).add({ days }).toString();
}

export function daysBetween(from: string, to: string): number {
  return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to), { largestUnit: 'days' }).days;
}

/** YYYY-MM of a day or month-start. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

export function lastDayOfMonth(month: string): string {
  const ym = Temporal.PlainYearMonth.from(month);
  return ym.toPlainDate({ day: ym.daysInMonth }).toString();
}

/** An instant as the MSP reads it: "YYYY-MM-DD HH:MM" on the wall clock of `timeZone`. */
export function wallClock(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime().toString().slice(0, 16).replace('T', ' ');
}

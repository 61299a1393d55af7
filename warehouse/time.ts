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

/** Dates of a month view, in the site's calendar (kept apart from the lazily loaded month screen). */
import { addDays, type LocalDate, sameDate, weekdayOf } from './time.ts';

const monthNames = new Intl.DateTimeFormat('en-GB', { month: 'long', timeZone: 'UTC' });

/** The same day in the month `n` months on (the last day of that month when it is shorter). */
export function addMonths(date: LocalDate, n: number): LocalDate {
  const first = new Date(Date.UTC(date.year, date.month - 1 + n, 1));
  const year = first.getUTCFullYear();
  const month = first.getUTCMonth() + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { year, month, day: Math.min(date.day, last) };
}

/** The days of the weeks (Monday first) that hold the month of `date`. */
export function monthDays(date: LocalDate): LocalDate[] {
  const first = { year: date.year, month: date.month, day: 1 };
  const start = addDays(first, 1 - weekdayOf(first));
  const last = addDays(addMonths(first, 1), -1);
  const end = addDays(last, 7 - weekdayOf(last));
  const out: LocalDate[] = [];
  for (let d = start; !sameDate(d, addDays(end, 1)); d = addDays(d, 1)) out.push(d);
  return out;
}

export const monthTitle = (date: LocalDate) =>
  `${monthNames.format(new Date(Date.UTC(date.year, date.month - 1, 1)))} ${date.year}`;

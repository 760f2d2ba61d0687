import type { Booking, Space } from './api.ts';
import './month-overview.css';
import { monthDays, monthTitle } from './month-dates.ts';
import { addDays, isoDate, type LocalDate, sameDate, zonedInstant } from './time.ts';

const weekdayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Booked time in words: "2 h", "1.5 h", "45 min". */
function bookedWords(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.round((minutes / 60) * 10) / 10;
  return `${h} h`;
}

/**
 * A month of one space: each day with its booked hours (the sessions' times only, so a private
 * session counts as busy time and shows nothing else); choosing a day opens that day.
 */
export function MonthOverview({
  date,
  today,
  zone,
  spaces,
  space,
  bookings,
  onSpace,
  onDay,
}: {
  date: LocalDate;
  today: LocalDate;
  zone: string;
  spaces: Space[];
  space: Space;
  bookings: Booking[];
  onSpace: (id: string) => void;
  onDay: (d: LocalDate) => void;
}) {
  const days = monthDays(date);
  const mine = bookings.filter((b) => b.spaceId === space.id);
  // Minutes booked within each local day (a day is 23 or 25 hours on a DST change).
  const booked = days.map((d) => {
    const from = zonedInstant(d, 0, 0, zone).getTime();
    const to = zonedInstant(addDays(d, 1), 0, 0, zone).getTime();
    let ms = 0;
    for (const b of mine)
      ms += Math.max(
        0,
        Math.min(to, new Date(b.end).getTime()) - Math.max(from, new Date(b.start).getTime()),
      );
    return Math.round(ms / 60_000);
  });
  const weeks = Array.from({ length: days.length / 7 }, (_, w) => w);
  return (
    <section className="month-overview" aria-labelledby="month-title">
      <div className="month-head">
        <h2 id="month-title">
          {space.name}, {monthTitle(date)}
        </h2>
        <label htmlFor="month-space">Space</label>
        <select id="month-space" value={space.id} onChange={(e) => onSpace(e.target.value)}>
          {spaces.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <table className="month-grid">
        <caption className="visually-hidden">
          Booked hours per day of {space.name} in {monthTitle(date)}; choose a day to open it
        </caption>
        <thead>
          <tr>
            {weekdayNames.map((n) => (
              <th key={n} scope="col">
                {n}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((w) => (
            <tr key={w}>
              {days.slice(w * 7, w * 7 + 7).map((d, i) => {
                const minutes = booked[w * 7 + i]!;
                const inMonth = d.month === date.month;
                return (
                  <td key={isoDate(d)} className={inMonth ? undefined : 'other-month'}>
                    {/* The name read out is the whole date and what is booked; the eye sees the day and hours. */}
                    <button
                      type="button"
                      className={`month-day${sameDate(d, today) ? ' is-today' : ''}${minutes > 0 ? ' has-bookings' : ''}`}
                      aria-current={sameDate(d, today) ? 'date' : undefined}
                      onClick={() => onDay(d)}
                    >
                      <span className="visually-hidden">{weekdayNames[i]} </span>
                      <span className="month-day-number">{d.day}</span>
                      <span className="visually-hidden"> {monthTitle(d)}: </span>
                      {minutes > 0 ? (
                        <span className="month-day-hours">
                          {bookedWords(minutes)}
                          <span className="visually-hidden"> booked</span>
                        </span>
                      ) : (
                        <span className="visually-hidden">nothing booked</span>
                      )}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

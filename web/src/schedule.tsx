import { useQuery } from '@tanstack/react-query';
import { type CSSProperties, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Booking, Space } from './api.ts';
import type { Draft } from './booking-form.tsx';
import { DoorControls } from './doors.tsx';
import { BookingDetails, BookingForm, MonthOverview } from './lazy.ts';
import { addMonths, monthDays, monthTitle } from './month-dates.ts';
import { bookingsQuery } from './queries.ts';
import { setParams, useLocation } from './router.ts';
import { useSession } from './session.tsx';
import {
  addDays,
  formatDate,
  formatTime,
  hhmm,
  isoDate,
  type LocalDate,
  localParts,
  minuteOfDay,
  parseIsoDate,
  sameDate,
  weekdayOf,
  zonedInstant,
} from './time.ts';

const hourPx = 52;
const hours = Array.from({ length: 24 }, (_, h) => h);
const slotStarts = Array.from({ length: 1440 / 30 }, (_, s) => s * 30);
const slotMinutes = 30;

/** How a booking relates to the signed-in member; it decides the block's colour and label. */
export type BlockKind = 'mine' | 'squad' | 'other' | 'busy';

export function kindOf(b: Booking, meId: string, mySquads: Set<string>): BlockKind {
  if (b.busy) return 'busy';
  if (b.organizer?.id === meId || b.participants?.members.some((m) => m.id === meId)) return 'mine';
  if (b.participants?.squads.some((s) => mySquads.has(s.id))) return 'squad';
  return 'other';
}

const kindLabel: Record<BlockKind, string> = {
  mine: 'Mine',
  squad: "My squad's",
  other: "Others'",
  busy: 'Private (busy)',
};

interface Column {
  key: string;
  date: LocalDate;
  space: Space;
}

function useNow(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = window.setInterval(() => setNow(new Date()), 30_000);
    return () => window.clearInterval(t);
  }, []);
  return now;
}

function quietRanges(q: { start: string; end: string } | null): [number, number][] {
  if (!q) return [];
  const toMin = (s: string) => {
    const [h, m] = s.split(':').map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  };
  const s = toMin(q.start);
  const e = toMin(q.end);
  if (s === e) return [];
  if (s < e) return [[s, e]];
  const ranges: [number, number][] = [];
  if (e > 0) ranges.push([0, e]);
  if (s < 1440) ranges.push([s, 1440]);
  return ranges;
}

/**
 * The spaces a member chose to see, remembered per member on this device: with five or more spaces
 * a week is readable at 1,280 px only for the few a member uses, and two crew sharing a console each
 * keep their own choice.
 */
const storedSpacesKey = (memberId: string) => `shipshape.spaces.${memberId}`;

function useSelectedSpaces(
  spaces: Space[],
  memberId: string,
): [Space[], Set<string>, (ids: Set<string>) => void] {
  const [ids, setIds] = useState<Set<string>>(() => {
    try {
      const saved = JSON.parse(window.localStorage.getItem(storedSpacesKey(memberId)) ?? 'null') as
        | string[]
        | null;
      if (Array.isArray(saved)) return new Set(saved);
    } catch {
      // A corrupt saved choice just means every space is shown.
    }
    return new Set<string>();
  });
  const update = useCallback(
    (next: Set<string>) => {
      setIds(next);
      window.localStorage.setItem(storedSpacesKey(memberId), JSON.stringify([...next]));
    },
    [memberId],
  );
  // An empty choice (or one naming only spaces that no longer exist) shows every space.
  const chosen = spaces.filter((s) => ids.has(s.id));
  return [chosen.length ? chosen : spaces, ids, update];
}

export function Schedule() {
  const { me, site, spaces } = useSession();
  const zone = site.timeZone;
  const { params } = useLocation();
  const now = useNow();
  const today = localParts(now, zone);
  const date = parseIsoDate(params.get('date') ?? '') ?? today;
  const view = params.get('view') === 'week' ? 'week' : params.get('view') === 'month' ? 'month' : 'day';
  const openBooking = params.get('booking');
  const [shown, chosenIds, setChosenIds] = useSelectedSpaces(spaces, me.id);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const mySquads = useMemo(() => new Set(me.squads.map((s) => s.id)), [me]);

  const days = useMemo(() => {
    if (view === 'day') return [date];
    if (view === 'month') return monthDays(date);
    const monday = addDays(date, 1 - weekdayOf(date));
    return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  }, [view, date]);
  const from = zonedInstant(days[0]!, 0, 0, zone);
  const to = zonedInstant(addDays(days[days.length - 1]!, 1), 0, 0, zone);
  const fromIso = from.toISOString();
  const toIso = to.toISOString();

  const query = useQuery(bookingsQuery(fromIso, toIso));
  const bookings = useMemo(
    () => (query.data ?? []).filter((b) => b.status !== 'cancelled' && b.status !== 'released'),
    [query.data],
  );
  const loadError = query.error?.message ?? null;

  // Marks the first schedule drawn with its bookings, for the first-load measurement (README/bench).
  const loaded = query.isSuccess;
  useEffect(() => {
    if (!loaded || performance.getEntriesByName('shipshape:schedule-ready').length) return;
    performance.mark('shipshape:schedule-ready');
  }, [loaded]);

  const columns: Column[] = days.flatMap((d) =>
    shown.map((space) => ({ key: `${isoDate(d)}:${space.id}`, date: d, space })),
  );
  const quiet = quietRanges(site.quietHours);

  // Scroll the hours so the morning (or the current time, today) is in view on first show.
  const scroller = useRef<HTMLDivElement>(null);
  const scrolled = useRef(false);
  useEffect(() => {
    if (scrolled.current || !scroller.current) return;
    scrolled.current = true;
    const onToday = days.some((d) => sameDate(d, today));
    const minute = onToday ? Math.max(0, today.hour * 60 + today.minute - 90) : 7 * 60;
    scroller.current.scrollTop = (minute / 60) * hourPx;
  });

  const go = (d: LocalDate) => setParams({ date: isoDate(d) });
  const step = view === 'week' ? 7 : 1;
  const goBy = (n: number) => go(view === 'month' ? addMonths(date, n) : addDays(date, n * step));
  // The month overview shows one space: the one named in the address, else the first shown.
  const monthSpace = spaces.find((s) => s.id === params.get('space')) ?? shown[0];

  function newBooking(space: Space | undefined, d: LocalDate, startMin: number, endMin: number) {
    setDraft({
      spaceId: space?.id ?? '',
      date: isoDate(d),
      start: hhmm(Math.floor(startMin / 60), startMin % 60),
      end: endMin >= 1440 ? '23:59' : hhmm(Math.floor(endMin / 60), endMin % 60),
    });
  }

  // Drag across free half-hours of one column to choose the span; a plain click takes an hour.
  const [selecting, setSelecting] = useState<{ col: Column; anchor: number; current: number } | null>(null);
  const finishSelection = () => {
    if (!selecting) return;
    const a = Math.min(selecting.anchor, selecting.current);
    const b = Math.max(selecting.anchor, selecting.current) + slotMinutes;
    const end = b - a <= slotMinutes ? Math.min(a + 60, 1440) : b;
    setSelecting(null);
    newBooking(selecting.col.space, selecting.col.date, a, end);
  };

  const nowMinute = today.hour * 60 + today.minute;
  const gridStyle = {
    '--cols': columns.length,
    '--hour': `${hourPx}px`,
  } as CSSProperties;

  return (
    <div className="schedule">
      <div className="toolbar">
        <h1 className="schedule-title">
          {view === 'day'
            ? formatDate(date, { long: true })
            : view === 'month'
              ? monthTitle(date)
              : `Week of ${formatDate(days[0]!)} – ${formatDate(days[6]!)}`}
        </h1>
        <fieldset className="toolbar-group">
          <legend className="visually-hidden">Date</legend>
          <button type="button" onClick={() => goBy(-1)} aria-label={`Previous ${view}`}>
            ‹
          </button>
          <button type="button" onClick={() => go(today)}>
            Today
          </button>
          <button type="button" onClick={() => goBy(1)} aria-label={`Next ${view}`}>
            ›
          </button>
          <label className="visually-hidden" htmlFor="schedule-date">
            Go to date
          </label>
          <input
            id="schedule-date"
            type="date"
            value={isoDate(date)}
            onChange={(e) => {
              const d = parseIsoDate(e.target.value);
              if (d) go(d);
            }}
          />
        </fieldset>
        <fieldset className="toolbar-group">
          <legend className="visually-hidden">View</legend>
          <button type="button" aria-pressed={view === 'day'} onClick={() => setParams({ view: null })}>
            Day
          </button>
          <button type="button" aria-pressed={view === 'week'} onClick={() => setParams({ view: 'week' })}>
            Week
          </button>
          <button type="button" aria-pressed={view === 'month'} onClick={() => setParams({ view: 'month' })}>
            Month
          </button>
        </fieldset>
        <SpacePicker spaces={spaces} chosen={chosenIds} onChange={setChosenIds} />
        <button
          type="button"
          className="primary"
          onClick={() => {
            const start = sameDate(date, today)
              ? Math.min(Math.ceil((nowMinute + 1) / 30) * 30, 1380)
              : 9 * 60;
            newBooking(shown[0], date, start, start + 60);
          }}
        >
          New booking
        </button>
      </div>
      <p className="zone-note">
        Times are the site's local time ({zone}), now {formatTime(now, zone)}.
        {site.quietHours && ` Quiet hours ${site.quietHours.start}–${site.quietHours.end} are shaded.`}
      </p>
      <ul className="legend" aria-label="Legend">
        {(['mine', 'squad', 'other', 'busy'] as const).map((k) => (
          <li key={k}>
            <span className={`swatch block-${k}`} aria-hidden="true" />
            {kindLabel[k]}
          </li>
        ))}
      </ul>
      <p className="notice series-summary" role="status">
        {summary ?? ''}
      </p>
      {loadError && (
        <p role="alert" className="error-banner">
          Bookings could not be loaded: {loadError}
        </p>
      )}
      {spaces.length === 0 ? (
        <p>No spaces yet.</p>
      ) : view === 'month' && monthSpace ? (
        <Suspense fallback={<p>Loading the month…</p>}>
          <MonthOverview
            date={date}
            today={today}
            zone={zone}
            spaces={spaces}
            space={monthSpace}
            bookings={bookings}
            onSpace={(id) => setParams({ space: id })}
            onDay={(d) => setParams({ view: null, space: null, date: isoDate(d) })}
          />
        </Suspense>
      ) : (
        <section
          className={`grid-scroll view-${view}`}
          ref={scroller}
          aria-label="Schedule"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll area must be scrollable by keyboard.
          tabIndex={0}
        >
          <div className="grid" style={gridStyle} onPointerUp={finishSelection}>
            <div className="corner" />
            {view === 'day'
              ? columns.map((c, i) => (
                  <div key={c.key} className="col-head" style={{ gridColumn: i + 2 }}>
                    <span
                      className="col-space"
                      title={`${c.space.name}, ${c.space.kind}, capacity ${c.space.capacity}`}
                    >
                      {c.space.name}
                    </span>
                    <DoorControls spaceId={c.space.id} compact />
                  </div>
                ))
              : days.map((d, di) => (
                  <div
                    key={isoDate(d)}
                    className="col-head day-head"
                    style={{ gridColumn: `${di * shown.length + 2} / span ${shown.length}` }}
                  >
                    <span className={`col-day${sameDate(d, today) ? ' is-today' : ''}`}>{formatDate(d)}</span>
                    <span className="lane-names">
                      {shown.map((sp) => (
                        <span key={sp.id} className="col-space" title={sp.name}>
                          {sp.name}
                        </span>
                      ))}
                    </span>
                  </div>
                ))}
            <div className="hours" aria-hidden="true">
              {hours.map((h) => (
                <div key={h} className="hour-label" style={{ top: h * hourPx }}>
                  {hhmm(h, 0)}
                </div>
              ))}
            </div>
            {columns.map((c, i) => {
              const colBookings = bookings.filter((b) => {
                if (b.spaceId !== c.space.id) return false;
                return minuteOfDay(b.end, c.date, zone) > 0 && minuteOfDay(b.start, c.date, zone) < 1440;
              });
              const sel =
                selecting && selecting.col.key === c.key
                  ? [
                      Math.min(selecting.anchor, selecting.current),
                      Math.max(selecting.anchor, selecting.current) + slotMinutes,
                    ]
                  : null;
              return (
                <div
                  key={c.key}
                  className={`col${view === 'week' && i % shown.length === 0 ? ' day-start' : ''}`}
                  style={{ gridColumn: i + 2 }}
                  data-column={`${isoDate(c.date)} ${c.space.name}`}
                >
                  {quiet.map(([a, b]) => (
                    <div
                      key={a}
                      className="quiet"
                      style={{ top: (a / 60) * hourPx, height: ((b - a) / 60) * hourPx }}
                      aria-hidden="true"
                    />
                  ))}
                  {slotStarts.map((m) => {
                    return (
                      <button
                        key={m}
                        type="button"
                        tabIndex={-1}
                        className="slot"
                        style={{ top: (m / 60) * hourPx }}
                        aria-label={`Book ${c.space.name} on ${formatDate(c.date)} at ${hhmm(Math.floor(m / 60), m % 60)}`}
                        data-slot={`${isoDate(c.date)}T${hhmm(Math.floor(m / 60), m % 60)}`}
                        data-space={c.space.name}
                        onPointerDown={(e) => {
                          if (e.button !== 0) return;
                          (e.target as HTMLElement).releasePointerCapture?.(e.pointerId);
                          setSelecting({ col: c, anchor: m, current: m });
                        }}
                        onPointerEnter={() =>
                          setSelecting((cur) => (cur && cur.col.key === c.key ? { ...cur, current: m } : cur))
                        }
                        onClick={(e) => {
                          // Pointer selection already handled it; this is for assistive tech "clicks".
                          if (e.detail === 0) newBooking(c.space, c.date, m, m + 60);
                        }}
                      />
                    );
                  })}
                  {sel && (
                    <div
                      className="selection"
                      style={{ top: (sel[0]! / 60) * hourPx, height: ((sel[1]! - sel[0]!) / 60) * hourPx }}
                      aria-hidden="true"
                    />
                  )}
                  {colBookings.map((b) => {
                    const top = minuteOfDay(b.start, c.date, zone);
                    const bottom = minuteOfDay(b.end, c.date, zone);
                    const kind = kindOf(b, me.id, mySquads);
                    const short = bottom - top < 50;
                    const label = kind === 'busy' ? 'Busy' : (b.title ?? 'Booking');
                    const span = `${formatTime(b.start, zone)}–${formatTime(b.end, zone)}`;
                    return (
                      <button
                        key={b.id}
                        type="button"
                        className={`block block-${kind}${short ? ' is-short' : ''}${b.status === 'checked_in' ? ' is-checked-in' : ''}`}
                        style={{
                          top: (top / 60) * hourPx,
                          height: Math.max(((bottom - top) / 60) * hourPx, 18),
                        }}
                        data-booking={b.id}
                        onClick={() => setParams({ booking: b.id })}
                      >
                        <span className="block-title">{label}</span>
                        <span className="block-time">{span}</span>
                        {kind !== 'busy' && b.organizer && view === 'day' && (
                          <span className="block-who">{b.organizer.displayName}</span>
                        )}
                        <span className="visually-hidden">
                          , {c.space.name}, {kindLabel[kind]}
                        </span>
                      </button>
                    );
                  })}
                  {sameDate(c.date, today) && (
                    <div className="now-line" style={{ top: (nowMinute / 60) * hourPx }} aria-hidden="true" />
                  )}
                </div>
              );
            })}
          </div>
        </section>
      )}
      <Suspense fallback={null}>
        {draft && (
          <BookingForm
            draft={draft}
            onClose={() => setDraft(null)}
            onBooked={(id, summary) => {
              setDraft(null);
              setSummary(summary ?? null);
              if (id) setParams({ booking: id });
            }}
          />
        )}
        {openBooking && <BookingDetails id={openBooking} onClose={() => setParams({ booking: null })} />}
      </Suspense>
    </div>
  );
}

function SpacePicker({
  spaces,
  chosen,
  onChange,
}: {
  spaces: Space[];
  chosen: Set<string>;
  onChange: (ids: Set<string>) => void;
}) {
  const shownCount = spaces.filter((s) => chosen.has(s.id)).length || spaces.length;
  return (
    <details className="space-picker">
      <summary>
        Spaces ({shownCount}/{spaces.length})
      </summary>
      <fieldset>
        <legend>Spaces to show</legend>
        {spaces.map((s) => {
          const checked = chosen.size === 0 || chosen.has(s.id);
          return (
            <label key={s.id} className="check">
              <input
                type="checkbox"
                checked={checked}
                onChange={(e) => {
                  const next = new Set(chosen.size === 0 ? spaces.map((x) => x.id) : chosen);
                  if (e.target.checked) next.add(s.id);
                  else next.delete(s.id);
                  onChange(next.size === spaces.length ? new Set() : next);
                }}
              />
              {s.name}
            </label>
          );
        })}
      </fieldset>
    </details>
  );
}

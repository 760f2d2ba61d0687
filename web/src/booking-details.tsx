import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { type Answer, ApiError, type Booking, client, ifMatch, must } from './api.ts';
import { BookingForm } from './booking-form.tsx';
import { DoorControls } from './doors.tsx';
import { useRestoreFocus } from './focus.ts';
import { bookingQuery, bookingsChanged, neighboursQuery, seriesQuery } from './queries.ts';
import { setParams } from './router.ts';
import { useSession } from './session.tsx';
import {
  formatDate,
  formatSpan,
  formatTime,
  hhmm,
  isoDate,
  localParts,
  parseHhmm,
  parseIsoDate,
  sessionSpan,
} from './time.ts';

type Neighbour = NonNullable<Answer<'/api/v1/bookings/{id}/neighbours', 'get'>['before']>;

/** An API refusal in words, with the instants it names shown in the site's time. */
function explain(err: unknown, zone: string): string {
  if (!(err instanceof ApiError)) return String(err);
  const p = err.problem;
  const at = (x: string) => {
    const d = new Date(x);
    return Number.isNaN(d.getTime()) ? x : `${formatDate(localParts(d, zone))} ${formatTime(d, zone)}`;
  };
  if (typeof p.freeAt === 'string') return `Too early to check in: the space is held until ${at(p.freeAt)}.`;
  if (typeof p.opensAt === 'string') return `Check-in opens at ${at(p.opensAt)}.`;
  return (p.detail || err.message).replace(/\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})/g, at);
}

const statusLabel: Record<string, string> = {
  confirmed: 'Confirmed',
  checked_in: 'Checked in',
  completed: 'Completed',
  cancelled: 'Cancelled',
  released: 'Released (no-show)',
};

/** One booking: its details, its neighbours, and the actions the caller may take. */
export function BookingDetails({ id, onClose }: { id: string; onClose: () => void }) {
  const { site, spaces } = useSession();
  const zone = site.timeZone;
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useRestoreFocus();
  const query = useQuery(bookingQuery(id));
  const booking = query.data ?? null;
  const loadError = query.error?.message ?? null;
  const neighbours = useQuery({ ...neighboursQuery(id), enabled: !!booking && !booking.busy }).data ?? null;
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [mode, setMode] = useState<'view' | 'edit' | 'move' | 'cancel'>('view');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open && mode !== 'edit') d.showModal();
  }, [mode]);
  // Opening a booking moves the focus into it: to its title once it is read.
  const loaded = !!booking;
  useEffect(() => {
    if (loaded && mode === 'view') heading.current?.focus();
  }, [loaded, mode]);

  async function act(label: string, fn: () => Promise<Booking | { id?: string } | null>) {
    setBusy(true);
    setMessage(null);
    try {
      const result = await fn();
      setMessage({ text: label, error: false });
      await bookingsChanged();
      if (result && 'id' in result && result.id && result.id !== id) setParams({ booking: result.id });
      setMode('view');
    } catch (err) {
      setMessage({ text: explain(err, zone), error: true });
    } finally {
      setBusy(false);
    }
  }

  if (mode === 'edit' && booking) {
    const s = localParts(booking.start, zone);
    const e = localParts(booking.end, zone);
    return (
      <BookingForm
        draft={{
          spaceId: booking.spaceId,
          date: isoDate(s),
          start: hhmm(s.hour, s.minute),
          end: hhmm(e.hour, e.minute),
          editing: booking,
        }}
        onClose={() => setMode('view')}
        onBooked={() => setMode('view')}
      />
    );
  }

  const space = booking ? spaces.find((s) => s.id === booking.spaceId) : undefined;
  // The actions shown are exactly those the server's policy allows the caller (`can`).
  const can = booking?.can;
  // Before its check-in window a session says when check-in opens (the space's rule), so nobody
  // looks for a button that is not there yet.
  const checkInOpens =
    booking && space && !booking.busy && booking.status === 'confirmed'
      ? new Date(new Date(booking.start).getTime() - space.checkInOpenMinutes * 60_000)
      : null;
  const notYetOpen = !!checkInOpens && checkInOpens.getTime() > Date.now();
  return (
    <dialog
      ref={dialog}
      className="dialog booking-details"
      aria-labelledby="bd-title"
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      {!booking ? (
        <div>
          <h2 id="bd-title">Booking</h2>
          <p role={loadError ? 'alert' : 'status'}>{loadError ?? 'Loading…'}</p>
          <div className="actions">
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      ) : (
        <div>
          <h2 id="bd-title" ref={heading} tabIndex={-1}>
            {booking.busy ? 'Busy' : booking.title}
          </h2>
          <dl className="facts">
            <dt>When</dt>
            <dd>{formatSpan(booking.start, booking.end, zone)}</dd>
            <dt>Where</dt>
            <dd>{space?.name ?? 'Unknown space'}</dd>
            <dt>Status</dt>
            <dd>{statusLabel[booking.status ?? ''] ?? booking.status}</dd>
            {!booking.busy && (
              <>
                <dt>Organizer</dt>
                <dd>{booking.organizer?.displayName ?? '—'}</dd>
                <dt>Participants</dt>
                <dd>
                  {[
                    ...(booking.participants?.members ?? []).map((m) => m.displayName),
                    ...(booking.participants?.squads ?? []).map((s) => `${s.name} (squad)`),
                  ].join(', ') || '—'}
                </dd>
                <dt>Headcount</dt>
                <dd>{booking.headcount}</dd>
                <dt>Visibility</dt>
                <dd>{booking.visibility === 'private' ? 'Private' : 'Public'}</dd>
              </>
            )}
            {booking.seriesId && (
              <>
                <dt>Repeats</dt>
                <dd>Part of a series</dd>
              </>
            )}
          </dl>
          {!booking.busy && <DoorControls spaceId={booking.spaceId} />}
          {neighbours && (
            <section className="neighbours" aria-labelledby="bd-neighbours">
              <h3 id="bd-neighbours">Before and after</h3>
              <ul>
                <NeighbourItem label="Before" n={neighbours.before} zone={zone} />
                <NeighbourItem label="After" n={neighbours.after} zone={zone} />
              </ul>
            </section>
          )}
          {notYetOpen && checkInOpens && (
            <p className="muted check-in-opens">
              Check-in opens at {formatDate(localParts(checkInOpens, zone))} {formatTime(checkInOpens, zone)}.
            </p>
          )}
          <p className={message?.error ? 'error-banner' : 'notice'} role="status" aria-live="polite">
            {message?.text ?? ''}
          </p>
          {mode === 'move' && (
            <MoveForm booking={booking} busy={busy} onCancel={() => setMode('view')} onMove={act} />
          )}
          {mode === 'cancel' && (
            <CancelChoice booking={booking} busy={busy} onBack={() => setMode('view')} onCancel={act} />
          )}
          {mode === 'view' && (
            <div className="actions wrap">
              {can?.edit && (
                <button type="button" onClick={() => setMode('edit')}>
                  Edit
                </button>
              )}
              {can?.cancel && (
                <button type="button" onClick={() => setMode('cancel')}>
                  Cancel booking…
                </button>
              )}
              {can?.checkIn && (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act('Checked in.', () =>
                      must(
                        client.POST('/api/v1/bookings/{id}/check-in', {
                          params: { path: { id: booking.id } },
                          body: {},
                        }),
                      ),
                    )
                  }
                >
                  Check in
                </button>
              )}
              {can?.checkOut && (
                <button
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act('Checked out; the rest of the slot is free.', () =>
                      must(
                        client.POST('/api/v1/bookings/{id}/check-out', {
                          params: { path: { id: booking.id } },
                          body: {},
                        }),
                      ),
                    )
                  }
                >
                  Check out
                </button>
              )}
              {can?.move && (
                <button type="button" onClick={() => setMode('move')}>
                  Move…
                </button>
              )}
              {can?.repeat && (
                <>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void act('Booked the same time tomorrow.', () =>
                        must(
                          client.POST('/api/v1/bookings/{id}/repeat', {
                            params: { path: { id: booking.id } },
                            body: { when: 'tomorrow' },
                          }),
                        ),
                      )
                    }
                  >
                    Same time tomorrow
                  </button>
                  <button
                    type="button"
                    disabled={busy}
                    onClick={() =>
                      void act('Booked the same time next week.', () =>
                        must(
                          client.POST('/api/v1/bookings/{id}/repeat', {
                            params: { path: { id: booking.id } },
                            body: { when: 'next-week' },
                          }),
                        ),
                      )
                    }
                  >
                    Same time next week
                  </button>
                </>
              )}
              <button type="button" onClick={onClose}>
                Close
              </button>
            </div>
          )}
        </div>
      )}
    </dialog>
  );
}

function NeighbourItem({ label, n, zone }: { label: string; n: Neighbour | null; zone: string }) {
  if (!n) return <li>{label}: nothing booked.</li>;
  const b = n.booking;
  const name = b.busy ? 'Busy' : b.title;
  const who = !b.busy && b.organizer ? `, ${b.organizer.displayName}` : '';
  const many = !b.busy && b.headcount ? `, ${b.headcount} ${b.headcount === 1 ? 'person' : 'people'}` : '';
  return (
    <li>
      {label}: {name} ({formatSpan(b.start, b.end, zone)}
      {who}
      {many}), {n.gapMinutes} min {label === 'Before' ? 'before' : 'after'}
    </li>
  );
}

type Act = (label: string, fn: () => Promise<Booking | { id?: string } | null>) => Promise<void>;

function CancelChoice({
  booking,
  busy,
  onBack,
  onCancel,
}: {
  booking: Booking;
  busy: boolean;
  onBack: () => void;
  onCancel: Act;
}) {
  const [scope, setScope] = useState<'one' | 'following' | 'all'>('one');
  // This and following, or all: offered when the server lets the caller cancel the series.
  const seriesCan = useQuery({ ...seriesQuery(booking.seriesId ?? ''), enabled: !!booking.seriesId }).data
    ?.can;
  const series = !!booking.seriesId && !!seriesCan?.cancel;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void onCancel('Cancelled.', () =>
          booking.seriesId && scope !== 'one'
            ? must(
                client.DELETE('/api/v1/series/{id}', {
                  params: {
                    path: { id: booking.seriesId },
                    query: { scope, occurrence: booking.originalStart ?? booking.start },
                  },
                }),
              ).then(() => null)
            : must(
                client.POST('/api/v1/bookings/{id}/cancel', {
                  params: { path: { id: booking.id } },
                  body: {},
                  headers: ifMatch(booking.version),
                }),
              ),
        );
      }}
    >
      {series ? (
        <fieldset>
          <legend>Cancel which sessions?</legend>
          {(
            [
              ['one', 'This session'],
              ['following', 'This and following'],
              ['all', 'All sessions of the series'],
            ] as const
          ).map(([v, label]) => (
            <label key={v} className="check">
              <input type="radio" name="cancel-scope" checked={scope === v} onChange={() => setScope(v)} />
              {label}
            </label>
          ))}
        </fieldset>
      ) : (
        <p>Cancel this booking? The slot becomes free.</p>
      )}
      <div className="actions">
        <button type="button" onClick={onBack}>
          Keep it
        </button>
        <button type="submit" className="danger" disabled={busy}>
          Cancel booking
        </button>
      </div>
    </form>
  );
}

type Slot = NonNullable<Answer<'/api/v1/availability', 'get'>['spaces'][number]['slots']>[number];

function MoveForm({
  booking,
  busy,
  onCancel,
  onMove,
}: {
  booking: Booking;
  busy: boolean;
  onCancel: () => void;
  onMove: Act;
}) {
  const { site, spaces } = useSession();
  const zone = site.timeZone;
  const s = localParts(booking.start, zone);
  const e = localParts(booking.end, zone);
  const [spaceId, setSpaceId] = useState(booking.spaceId);
  const [date, setDate] = useState(isoDate(s));
  const [start, setStart] = useState(hhmm(s.hour, s.minute));
  const [end, setEnd] = useState(hhmm(e.hour, e.minute));
  const [note, setNote] = useState('');
  const [slots, setSlots] = useState<Slot[] | null>(null);
  const [slotsError, setSlotsError] = useState<string | null>(null);
  const lengthMin = Math.round(
    (new Date(booking.end).getTime() - new Date(booking.start).getTime()) / 60_000,
  );

  async function findFree() {
    const from = new Date(Math.max(Date.now(), new Date(booking.start).getTime() - 3_600_000));
    const to = new Date(from.getTime() + 2 * 86_400_000);
    try {
      const r = await must(
        client.GET('/api/v1/availability', {
          params: {
            query: {
              space: [spaceId],
              from: from.toISOString(),
              to: to.toISOString(),
              length: lengthMin,
              limit: 6,
            },
          },
        }),
      );
      setSlots(r.spaces[0]?.slots ?? []);
      setSlotsError(null);
    } catch (err) {
      setSlotsError(err instanceof Error ? err.message : String(err));
    }
  }

  function submit(ev: FormEvent) {
    ev.preventDefault();
    const d = parseIsoDate(date);
    const a = parseHhmm(start);
    const b = parseHhmm(end);
    if (!d || !a || !b) return;
    const { start: startAt, end: endAt } = sessionSpan(d, a, b, zone);
    const where = spaces.find((x) => x.id === spaceId)?.name ?? 'the new space';
    void onMove(`Moved to ${where}, ${formatSpan(startAt.toISOString(), endAt.toISOString(), zone)}.`, () =>
      must(
        client.POST('/api/v1/bookings/{id}/move', {
          params: { path: { id: booking.id } },
          body: {
            ...(spaceId !== booking.spaceId ? { spaceId } : {}),
            start: startAt.toISOString(),
            end: endAt.toISOString(),
            ...(note ? { message: note } : {}),
          },
        }),
      ),
    );
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Move the booking">
      <div className="form-grid">
        <div className="field span-2">
          <label htmlFor="mv-space">Move to space</label>
          <select id="mv-space" value={spaceId} onChange={(ev) => setSpaceId(ev.target.value)}>
            {spaces
              .filter((x) => x.can.book || x.id === booking.spaceId)
              .map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="mv-date">Date</label>
          <input id="mv-date" type="date" value={date} onChange={(ev) => setDate(ev.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="mv-start">Start</label>
          <input id="mv-start" type="time" value={start} onChange={(ev) => setStart(ev.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="mv-end">End</label>
          <input id="mv-end" type="time" value={end} onChange={(ev) => setEnd(ev.target.value)} />
        </div>
        <div className="field span-2">
          <label htmlFor="mv-note">Message to participants</label>
          <input
            id="mv-note"
            type="text"
            maxLength={500}
            value={note}
            onChange={(ev) => setNote(ev.target.value)}
          />
        </div>
      </div>
      {
        <div className="free-slots">
          <button type="button" onClick={() => void findFree()}>
            Find free times here
          </button>
          {slotsError && <p role="alert">Free times could not be read: {slotsError}</p>}
          {slots && slots.length === 0 && <p>No free time in the next two days.</p>}
          {slots && slots.length > 0 && (
            <ul>
              {slots.map((sl) => (
                <li key={sl.start}>
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => {
                      const a = localParts(sl.start, zone);
                      const endAt = new Date(new Date(sl.start).getTime() + lengthMin * 60_000);
                      const b = localParts(endAt, zone);
                      setDate(isoDate(a));
                      setStart(hhmm(a.hour, a.minute));
                      setEnd(hhmm(b.hour, b.minute));
                    }}
                  >
                    {formatSpan(
                      sl.start,
                      new Date(new Date(sl.start).getTime() + lengthMin * 60_000).toISOString(),
                      zone,
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      }
      <div className="actions">
        <button type="button" onClick={onCancel}>
          Back
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Move
        </button>
      </div>
    </form>
  );
}

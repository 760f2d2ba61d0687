import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import type { Answer, Booking } from './api.ts';
import { explain, MoveForm, QuickActions } from './booking-actions.tsx';
import { BookingForm } from './booking-form.tsx';
import { CancelChoice, EditChoice, type SeriesEdit, useSeriesOf } from './booking-series.tsx';
import { DoorControls } from './doors.tsx';
import { useRestoreFocus } from './focus.ts';
import { bookingQuery, bookingsChanged, neighboursQuery } from './queries.ts';
import { setParams } from './router.ts';
import { useSession } from './session.tsx';
import { formatDate, formatSpan, formatTime, hhmm, isoDate, localParts } from './time.ts';

type Neighbour = NonNullable<Answer<'/api/v1/bookings/{id}/neighbours', 'get'>['before']>;

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
  const [mode, setMode] = useState<'view' | 'edit' | 'edit-choice' | 'move' | 'cancel'>('view');
  // Editing many sessions of a series (this and following, or all); null: this session only.
  const [seriesEdit, setSeriesEdit] = useState<SeriesEdit | null>(null);
  const [busy, setBusy] = useState(false);
  // This and following, or all: offered when the server lets the caller change the series.
  const seriesCan = useSeriesOf(booking)?.can;

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
          ...(seriesEdit ? { seriesEdit } : {}),
        }}
        onClose={() => setMode('view')}
        onBooked={(next) => {
          // Changing following or all sessions splits the series: the occurrence is a new booking.
          if (next && next !== id) setParams({ booking: next });
          setMode('view');
        }}
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
          {mode === 'edit-choice' && (
            <EditChoice
              booking={booking}
              onBack={() => setMode('view')}
              onChoose={(edit) => {
                setSeriesEdit(edit);
                setMode('edit');
              }}
            />
          )}
          {mode === 'cancel' && (
            <CancelChoice booking={booking} busy={busy} onBack={() => setMode('view')} onCancel={act} />
          )}
          {mode === 'view' && (
            <div className="actions wrap">
              {can?.edit && (
                <button
                  type="button"
                  onClick={() => {
                    setSeriesEdit(null);
                    setMode(seriesCan?.edit ? 'edit-choice' : 'edit');
                  }}
                >
                  Edit
                </button>
              )}
              {can?.cancel && (
                <button type="button" onClick={() => setMode('cancel')}>
                  Cancel booking…
                </button>
              )}
              <QuickActions booking={booking} busy={busy} act={act} onMove={() => setMode('move')} />
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

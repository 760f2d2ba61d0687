/** What can be done to a booking at once: check in and out, repeat it, move it; refusals in words. */
import { type FormEvent, useState } from 'react';
import { type Answer, ApiError, type Booking, client, must } from './api.ts';
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

/** Runs one action on the booking and says what it did (`label`) or why it was refused. */
export type Act = (label: string, fn: () => Promise<Booking | { id?: string } | null>) => Promise<void>;

/** An API refusal in words, with the instants it names shown in the site's time. */
export function explain(err: unknown, zone: string): string {
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

/**
 * The actions the server's `can` allows besides editing and cancelling: check in, check out, move,
 * and the same time tomorrow or next week (each a single request).
 */
export function QuickActions({
  booking,
  busy,
  act,
  onMove,
}: {
  booking: Booking;
  busy: boolean;
  act: Act;
  onMove: () => void;
}) {
  const { can } = booking;
  const path = { params: { path: { id: booking.id } } };
  const repeat = (when: 'tomorrow' | 'next-week', label: string) => (
    <button
      type="button"
      disabled={busy}
      onClick={() =>
        void act(label, () => must(client.POST('/api/v1/bookings/{id}/repeat', { ...path, body: { when } })))
      }
    >
      {when === 'tomorrow' ? 'Same time tomorrow' : 'Same time next week'}
    </button>
  );
  return (
    <>
      {can.checkIn && (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void act('Checked in.', () =>
              must(client.POST('/api/v1/bookings/{id}/check-in', { ...path, body: {} })),
            )
          }
        >
          Check in
        </button>
      )}
      {can.checkOut && (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void act('Checked out; the rest of the slot is free.', () =>
              must(client.POST('/api/v1/bookings/{id}/check-out', { ...path, body: {} })),
            )
          }
        >
          Check out
        </button>
      )}
      {can.move && (
        <button type="button" onClick={onMove}>
          Move…
        </button>
      )}
      {can.repeat && (
        <>
          {repeat('tomorrow', 'Booked the same time tomorrow.')}
          {repeat('next-week', 'Booked the same time next week.')}
        </>
      )}
    </>
  );
}

type Slot = NonNullable<Answer<'/api/v1/availability', 'get'>['spaces'][number]['slots']>[number];

/** Moves the booking to another space and/or time; free times of the chosen space are a click away. */
export function MoveForm({
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

/**
 * The series choices of one occurrence: which sessions a change or a cancellation applies to (this
 * one, this and the following, all), offered when the server lets the caller manage the series.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { type Booking, client, ifMatch, must } from './api.ts';
import type { Act } from './booking-actions.tsx';
import { seriesQuery } from './queries.ts';
import { isoDate, localParts } from './time.ts';

export type Scope = 'one' | 'following' | 'all';
/** A change to many sessions of a series: the scope and the version of the series it was read at. */
export type SeriesEdit = { scope: Exclude<Scope, 'one'>; version: number };

const scopeLabels: readonly (readonly [Scope, string])[] = [
  ['one', 'This session'],
  ['following', 'This and following'],
  ['all', 'All sessions of the series'],
];

/** The series an occurrence belongs to, with the `can` the server computed for the caller. */
export function useSeriesOf(booking: Booking | null) {
  const id = booking?.seriesId ?? '';
  return useQuery({ ...seriesQuery(id), enabled: !!id }).data ?? null;
}

function ScopeChoice({
  legend,
  name,
  value,
  onChange,
}: {
  legend: string;
  name: string;
  value: Scope;
  onChange: (s: Scope) => void;
}) {
  // The choice takes the focus when it shows: the button that opened it is gone meanwhile.
  const set = useRef<HTMLFieldSetElement>(null);
  useEffect(() => set.current?.querySelector<HTMLInputElement>('input:checked')?.focus(), []);
  return (
    <fieldset ref={set}>
      <legend>{legend}</legend>
      {scopeLabels.map(([v, label]) => (
        <label key={v} className="check">
          <input type="radio" name={name} checked={value === v} onChange={() => onChange(v)} />
          {label}
        </label>
      ))}
    </fieldset>
  );
}

/** The original start of an occurrence: the instant the series API names it by. */
const occurrenceOf = (b: Booking) => b.originalStart ?? b.start;

export function CancelChoice({
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
  const [scope, setScope] = useState<Scope>('one');
  // This and following, or all: offered when the server lets the caller cancel the series.
  const series = useSeriesOf(booking);
  const many = !!booking.seriesId && !!series?.can.cancel;
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
                    query: { scope, occurrence: occurrenceOf(booking) },
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
      {many ? (
        <ScopeChoice legend="Cancel which sessions?" name="cancel-scope" value={scope} onChange={setScope} />
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

/** Before editing an occurrence of a series the caller may change: which sessions the edit is for. */
export function EditChoice({
  booking,
  onBack,
  onChoose,
}: {
  booking: Booking;
  onBack: () => void;
  onChoose: (edit: SeriesEdit | null) => void;
}) {
  const [scope, setScope] = useState<Scope>('one');
  const series = useSeriesOf(booking);
  return (
    <form
      className="inline-form"
      aria-label="Edit which sessions"
      onSubmit={(e) => {
        e.preventDefault();
        if (scope === 'one' || !series) onChoose(null);
        else onChoose({ scope, version: series.version });
      }}
    >
      <ScopeChoice legend="Edit which sessions?" name="edit-scope" value={scope} onChange={setScope} />
      <div className="actions">
        <button type="button" onClick={onBack}>
          Back
        </button>
        <button type="submit" className="primary" disabled={!series}>
          Continue
        </button>
      </div>
    </form>
  );
}

/**
 * Changes this and the following sessions, or all not yet begun: their time of day, length, title
 * and headcount. Answers the booking that now stands for the edited occurrence (the series is split,
 * so it is a new one), or null when none does.
 */
export async function changeSessions(
  booking: Booking,
  edit: SeriesEdit,
  change: { title: string; headcount: number; startTime: string; durationMinutes: number },
  zone: string,
): Promise<string | null> {
  const answer = await must(
    client.PATCH('/api/v1/series/{id}', {
      params: { path: { id: booking.seriesId! } },
      body: {
        scope: edit.scope,
        ...(edit.scope === 'following' ? { occurrence: occurrenceOf(booking) } : {}),
        ...change,
      },
      headers: ifMatch(edit.version),
    }),
  );
  const day = isoDate(localParts(occurrenceOf(booking), zone));
  return (
    answer.occurrences.find(
      (o) => o.status !== 'cancelled' && isoDate(localParts(o.originalStart, zone)) === day,
    )?.bookingId ?? null
  );
}

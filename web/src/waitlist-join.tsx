import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { type Body, client, errorText, must } from './api.ts';
import { bookingsChanged } from './queries.ts';
import { formatSpan, formatTime, localParts, parseHhmm, sessionSpan } from './time.ts';

/**
 * "Join the waitlist" for a taken slot, shown where the booking form says the space is taken: wait
 * for exactly that time, or for any free slot of a length between two times of that day; booked at
 * once when it frees, or offered first with a hold to accept.
 */
export function WaitlistJoin(props: {
  spaceId: string;
  start: string;
  end: string;
  title: string;
  zone: string;
}) {
  const { spaceId, start, end, title, zone } = props;
  const minutes = Math.round((new Date(end).getTime() - new Date(start).getTime()) / 60_000);
  const [kind, setKind] = useState<'exact' | 'range'>('exact');
  const [from, setFrom] = useState(formatTime(start, zone));
  const [to, setTo] = useState(formatTime(end, zone));
  const [length, setLength] = useState(String(minutes));
  const [how, setHow] = useState<'book' | 'offer'>('book');
  const [error, setError] = useState<string | null>(null);
  const join = useMutation({
    mutationFn: (body: Body<'/api/v1/waitlist', 'post'>) => must(client.POST('/api/v1/waitlist', { body })),
    onSuccess: () => bookingsChanged(),
    onError: (err) => setError(errorText(err)),
  });

  // Not a form of its own: it sits inside the booking form, and forms do not nest.
  function submit() {
    setError(null);
    let body = { spaceId, start, end, title: title.trim() || 'Session', autoBook: how === 'book' };
    if (kind === 'range') {
      const f = parseHhmm(from);
      const t = parseHhmm(to);
      const n = Number(length);
      if (!f || !t) return setError('Enter the times as HH:MM');
      if (!Number.isInteger(n) || n < 1 || n > 1440) return setError('Enter the length in whole minutes');
      const span = sessionSpan(localParts(start, zone), f, t, zone);
      if ((span.end.getTime() - span.start.getTime()) / 60_000 < n)
        return setError(`A slot of ${n} minutes does not fit between ${from} and ${to}`);
      body = { ...body, start: span.start.toISOString(), end: span.end.toISOString() };
      join.mutate({ ...body, lengthMinutes: n });
      return;
    }
    join.mutate(body);
  }

  if (join.data)
    return (
      <p role="status" className="waitlist-joined">
        You are number {join.data.position ?? 1} in line for{' '}
        {formatSpan(join.data.start, join.data.end, zone)}
        {join.data.lengthMinutes ? ` (any ${join.data.lengthMinutes} minutes)` : ''}.{' '}
        {join.data.autoBook
          ? 'It is booked for you as soon as it frees.'
          : 'When it frees you are told, and it is held for you to accept.'}{' '}
        My sessions shows your place.
      </p>
    );
  return (
    <section className="waitlist-join" aria-labelledby="wl-heading">
      <h3 id="wl-heading">Join the waitlist</h3>
      <fieldset>
        <legend>Wait for</legend>
        <label className="check">
          <input type="radio" name="wl-kind" checked={kind === 'exact'} onChange={() => setKind('exact')} />{' '}
          Exactly this time
        </label>
        <label className="check">
          <input type="radio" name="wl-kind" checked={kind === 'range'} onChange={() => setKind('range')} />{' '}
          Any free slot of a length between two times
        </label>
      </fieldset>
      {kind === 'range' && (
        <div className="waitlist-range">
          <label htmlFor="wl-length">Minutes</label>
          <input
            id="wl-length"
            inputMode="numeric"
            value={length}
            onChange={(e) => setLength(e.target.value)}
          />
          <label htmlFor="wl-from">Between</label>
          <input id="wl-from" type="time" value={from} onChange={(e) => setFrom(e.target.value)} />
          <label htmlFor="wl-to">and</label>
          <input id="wl-to" type="time" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
      )}
      <fieldset>
        <legend>When it frees</legend>
        <label className="check">
          <input type="radio" name="wl-how" checked={how === 'book'} onChange={() => setHow('book')} /> Book
          it for me at once
        </label>
        <label className="check">
          <input type="radio" name="wl-how" checked={how === 'offer'} onChange={() => setHow('offer')} />{' '}
          Offer it to me first, to accept
        </label>
      </fieldset>
      {error && (
        <p className="error-banner" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={submit} disabled={join.isPending}>
        Join the waitlist
      </button>
    </section>
  );
}

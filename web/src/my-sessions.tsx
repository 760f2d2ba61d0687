import { useQuery } from '@tanstack/react-query';
import { Suspense, useState } from 'react';
import { type Booking, client, errorText, must } from './api.ts';
import { BookingDetails } from './lazy.ts';
import { MyQuota } from './my-quota.tsx';
import { MyWaitlist } from './my-waitlist.tsx';
import { bookingsChanged, bookingsQuery } from './queries.ts';
import { setParams, useLocation } from './router.ts';
import { useSession } from './session.tsx';
import { formatSpan } from './time.ts';

/** The signed-in member's sessions: upcoming first, then the past month with "repeat" at hand. */
export function MySessions() {
  const { me, site, spaces } = useSession();
  const { params } = useLocation();
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const open = params.get('booking');
  // The range is fixed when the page opens, so the query's key stays the same while it is shown.
  const [range] = useState(() => ({
    from: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    to: new Date(Date.now() + (site.horizonDays ?? 90) * 86_400_000).toISOString(),
  }));
  const query = useQuery(bookingsQuery(range.from, range.to, { member: me.id }));
  const items = query.data?.filter((b) => b.status !== 'cancelled') ?? null;

  const now = Date.now();
  const upcoming = (items ?? []).filter((b) => new Date(b.end).getTime() > now);
  const past = (items ?? []).filter((b) => new Date(b.end).getTime() <= now).reverse();
  const spaceName = (id: string) => spaces.find((s) => s.id === id)?.name ?? '';

  async function repeat(b: Booking, when: 'tomorrow' | 'next-week') {
    try {
      await must(
        client.POST('/api/v1/bookings/{id}/repeat', { params: { path: { id: b.id } }, body: { when } }),
      );
      setMessage({
        text: `Booked ${b.title} again ${when === 'tomorrow' ? 'tomorrow' : 'next week'}.`,
        error: false,
      });
      await bookingsChanged();
    } catch (err) {
      setMessage({
        text: errorText(err),
        error: true,
      });
    }
  }

  const row = (b: Booking, isPast: boolean) => (
    <li key={b.id} className="session-row">
      <button type="button" className="link-button" onClick={() => setParams({ booking: b.id })}>
        {b.title}
      </button>
      <span>
        {formatSpan(b.start, b.end, site.timeZone)} · {spaceName(b.spaceId)}
        {b.status && b.status !== 'confirmed' ? ` · ${b.status.replace('_', ' ')}` : ''}
      </span>
      {isPast && b.can.repeat && (
        <span className="row-actions">
          <button
            type="button"
            onClick={() => void repeat(b, 'tomorrow')}
            aria-label={`Repeat ${b.title} tomorrow`}
          >
            Same time tomorrow
          </button>
          <button
            type="button"
            onClick={() => void repeat(b, 'next-week')}
            aria-label={`Repeat ${b.title} next week`}
          >
            Next week
          </button>
        </span>
      )}
    </li>
  );

  return (
    <div className="page">
      <h1>My sessions</h1>
      <MyQuota />
      <MyWaitlist />
      <p className={message?.error ? 'error-banner' : 'notice'} role="status">
        {message?.text ?? ''}
      </p>
      {query.error ? (
        <p role="alert" className="error-banner">
          Your sessions could not be loaded: {query.error.message}
        </p>
      ) : items === null ? (
        <p role="status">Loading…</p>
      ) : (
        <>
          <section aria-labelledby="my-upcoming">
            <h2 id="my-upcoming">Upcoming</h2>
            {upcoming.length ? (
              <ul className="sessions">{upcoming.map((b) => row(b, false))}</ul>
            ) : (
              <p>None booked.</p>
            )}
          </section>
          <section aria-labelledby="my-past">
            <h2 id="my-past">Past month</h2>
            {past.length ? <ul className="sessions">{past.map((b) => row(b, true))}</ul> : <p>None.</p>}
          </section>
        </>
      )}
      <Suspense fallback={null}>
        {open && <BookingDetails id={open} onClose={() => setParams({ booking: null })} />}
      </Suspense>
    </div>
  );
}

import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { type Answer, client, errorText, must } from './api.ts';
import { bookingsChanged } from './queries.ts';
import { useSession } from './session.tsx';
import { formatSpan, formatTime } from './time.ts';

type Entry = Answer<'/api/v1/waitlist', 'get'>['items'][number];

/** "12 min", "1 h 5 min" left until `at`. */
function left(at: string, now: number): string {
  const minutes = Math.max(0, Math.ceil((new Date(at).getTime() - now) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const m = minutes % 60;
  return m === 0 ? `${Math.floor(minutes / 60)} h` : `${Math.floor(minutes / 60)} h ${m} min`;
}

/**
 * The member's open waitlist entries on My sessions: their place in line, and an offer held for
 * them with the time left to accept it (counting down); Accept, and Leave (which declines an offer).
 */
export function MyWaitlist() {
  const { site, spaces } = useSession();
  const entries = useQuery({
    // Under "bookings": every change to bookings (and every notice) reads it again.
    queryKey: ['bookings', 'my-waitlist'],
    queryFn: async () => (await must(client.GET('/api/v1/waitlist'))).items,
  });
  const [now, setNow] = useState(() => Date.now());
  const [status, setStatus] = useState('');
  const open = (entries.data ?? []).filter((e) => e.status === 'waiting' || e.status === 'offered');
  const offered = open.some((e) => e.status === 'offered');
  useEffect(() => {
    if (!offered) return;
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, [offered]);
  const act = useMutation({
    mutationFn: ({ entry, verb }: { entry: Entry; verb: 'accept' | 'leave' }) =>
      verb === 'accept'
        ? must(client.POST('/api/v1/waitlist/{id}/accept', { params: { path: { id: entry.id } } }))
        : must(client.POST('/api/v1/waitlist/{id}/leave', { params: { path: { id: entry.id } } })),
    onSuccess: async (_, { entry, verb }) => {
      setStatus(
        verb === 'accept'
          ? `${entry.title} is booked for you.`
          : entry.status === 'offered'
            ? `You declined the offer: it passes to the next in line.`
            : `You left the line for ${entry.title}.`,
      );
      await bookingsChanged();
    },
    onError: (err) => setStatus(errorText(err)),
  });
  if (open.length === 0 && !status) return null;
  const where = (id: string) => spaces.find((s) => s.id === id)?.name ?? 'a space';
  return (
    <section aria-labelledby="my-waitlist">
      <h2 id="my-waitlist">My waitlist</h2>
      <p role="status">{status}</p>
      <ul className="waitlist-entries">
        {open.map((e) => (
          <li key={e.id}>
            <span>
              <strong>{e.title}</strong> · {where(e.spaceId)}, {formatSpan(e.start, e.end, site.timeZone)}
              {e.lengthMinutes ? ` (any ${e.lengthMinutes} minutes)` : ''} ·{' '}
              {e.status === 'offered' && e.offerExpiresAt
                ? `free for you: held until ${formatTime(e.offerExpiresAt, site.timeZone)} (${left(e.offerExpiresAt, now)} left)`
                : `number ${e.position ?? '?'} in line`}
            </span>
            <span className="row-actions">
              {e.status === 'offered' && (
                <button
                  type="button"
                  className="primary"
                  onClick={() => act.mutate({ entry: e, verb: 'accept' })}
                  disabled={act.isPending}
                >
                  Accept
                </button>
              )}
              <button
                type="button"
                onClick={() => act.mutate({ entry: e, verb: 'leave' })}
                disabled={act.isPending}
                aria-label={`${e.status === 'offered' ? 'Decline' : 'Leave the line for'} ${e.title}`}
              >
                {e.status === 'offered' ? 'Decline' : 'Leave'}
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { ApiError, client, must } from './api.ts';
import { bookingsChanged } from './queries.ts';
import { navigate } from './router.ts';
import { useSession } from './session.tsx';
import { formatSpan } from './time.ts';

/**
 * Check-in from a phone: the member scanned the code at a space's door and lands here signed in.
 * The page checks in their session of that space at once and says what happened in words.
 */
export function CheckInHere({ spaceId }: { spaceId: string }) {
  const { spaces, site } = useSession();
  const space = spaces.find((s) => s.id === spaceId);
  const checkIn = useMutation({
    mutationFn: () =>
      must(client.POST('/api/v1/spaces/{id}/check-in', { params: { path: { id: spaceId } }, body: {} })),
    onSuccess: () => bookingsChanged(),
  });
  // Once per visit: opening the page is the request (React's development double effect aside).
  const asked = useRef(false);
  useEffect(() => {
    if (asked.current) return;
    asked.current = true;
    checkIn.mutate();
  }, [checkIn]);

  const where = space?.name ?? 'this space';
  let text = 'Checking you in…';
  if (checkIn.data) {
    const b = checkIn.data.booking;
    const what = `${b.title}, ${formatSpan(b.start, b.end, site.timeZone)}`;
    text =
      checkIn.data.outcome === 'checked-in'
        ? `You are checked in to ${what} in ${where}.`
        : `You were already checked in to ${what} in ${where}.`;
  } else if (checkIn.error)
    text =
      checkIn.error instanceof ApiError
        ? checkIn.error.problem.detail || checkIn.error.message
        : 'The server could not be reached; try again.';
  return (
    <div className="page check-in-here">
      <h1>Check in at {where}</h1>
      {checkIn.error ? (
        <p className="error-banner" role="alert">
          {text}
        </p>
      ) : (
        <p role="status" className="check-in-result">
          {text}
        </p>
      )}
      {checkIn.error && (
        <button type="button" onClick={() => checkIn.mutate()} disabled={checkIn.isPending}>
          Try again
        </button>
      )}
      <p>
        <a
          href="/my"
          onClick={(e) => {
            e.preventDefault();
            navigate('/my');
          }}
        >
          My sessions
        </a>
      </p>
    </div>
  );
}

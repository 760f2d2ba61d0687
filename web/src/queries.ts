/**
 * What the web app reads, fetched and cached through TanStack Query: a key per kind of answer, so a
 * change (or a live notice) invalidates exactly the views that show it. Errors reach the views as
 * errors (shown), never as empty lists.
 */
import { QueryClient, queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ApiError, allPages, client, must } from './api.ts';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change by asking again; a network failure may.
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      staleTime: 15_000,
      refetchOnWindowFocus: true,
    },
  },
});

/** The keys: the first element names what changes invalidate. */
export const keys = {
  me: ['me'] as const,
  site: ['site'] as const,
  spaces: ['spaces'] as const,
  squads: ['squads'] as const,
  members: ['members'] as const,
  bookings: ['bookings'] as const,
  doors: ['doors'] as const,
  notifications: ['notifications'] as const,
  feeds: ['feeds'] as const,
  webhooks: ['webhooks'] as const,
};

export const meQuery = queryOptions({
  queryKey: keys.me,
  queryFn: () => must(client.GET('/api/v1/me')),
  staleTime: 60_000,
});
export const feedsQuery = queryOptions({
  queryKey: keys.feeds,
  queryFn: () => must(client.GET('/api/v1/feeds')),
});
export const siteQuery = queryOptions({
  queryKey: keys.site,
  queryFn: () => must(client.GET('/api/v1/site')),
  staleTime: 60_000,
});
export const spacesQuery = queryOptions({
  queryKey: keys.spaces,
  queryFn: () =>
    allPages((cursor) => client.GET('/api/v1/spaces', { params: { query: { cursor, limit: 200 } } })),
  staleTime: 60_000,
});
export const squadsQuery = queryOptions({
  queryKey: keys.squads,
  queryFn: () =>
    allPages((cursor) => client.GET('/api/v1/squads', { params: { query: { cursor, limit: 200 } } })),
  staleTime: 60_000,
});
export const membersQuery = queryOptions({
  queryKey: keys.members,
  queryFn: () =>
    allPages((cursor) => client.GET('/api/v1/members', { params: { query: { cursor, limit: 200 } } })),
});

/** The bookings overlapping [from, to), every page, cancelled and released ones included. */
export const bookingsQuery = (from: string, to: string, filter: { member?: string } = {}) =>
  queryOptions({
    queryKey: [...keys.bookings, 'range', from, to, filter] as const,
    queryFn: () =>
      allPages((cursor) =>
        client.GET('/api/v1/bookings', { params: { query: { from, to, limit: 500, cursor, ...filter } } }),
      ),
  });

export const bookingQuery = (id: string) =>
  queryOptions({
    queryKey: [...keys.bookings, 'one', id] as const,
    queryFn: () => must(client.GET('/api/v1/bookings/{id}', { params: { path: { id } } })),
  });

export const neighboursQuery = (id: string) =>
  queryOptions({
    queryKey: [...keys.bookings, 'neighbours', id] as const,
    queryFn: () => must(client.GET('/api/v1/bookings/{id}/neighbours', { params: { path: { id } } })),
  });

/** A series with its `can`; under the bookings key, since every change of a series changes bookings. */
export const seriesQuery = (id: string) =>
  queryOptions({
    queryKey: [...keys.bookings, 'series', id] as const,
    queryFn: () => must(client.GET('/api/v1/series/{id}', { params: { path: { id } } })),
  });

export const notificationsQuery = queryOptions({
  queryKey: keys.notifications,
  queryFn: () => must(client.GET('/api/v1/notifications', { params: { query: { limit: 30 } } })),
});

export const doorsQuery = queryOptions({
  queryKey: keys.doors,
  queryFn: () => must(client.GET('/api/v1/doors')).then((r) => r.items),
  refetchInterval: 20_000,
});

/** After any change to bookings: every view of bookings (and the doors they open) reads again. */
export function bookingsChanged(): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: keys.bookings }),
    queryClient.invalidateQueries({ queryKey: keys.doors }),
  ]).then(() => undefined);
}

/**
 * The live streams: a notice means something happened to bookings of the member (and their feed);
 * a door event means a door changed. Each invalidates the queries it concerns. The doors stream is
 * opened only once the site has doors: a browser allows few connections per server.
 */
export function useLiveUpdates(onNotice: (text: string) => void): void {
  const qc = useQueryClient();
  useEffect(() => {
    const source = new EventSource('/api/v1/notifications/stream', { withCredentials: true });
    const onMessage = (ev: MessageEvent) => {
      let text = '';
      try {
        const data = JSON.parse(ev.data as string) as { title?: string; body?: string };
        text = data.title ?? data.body ?? '';
      } catch {
        text = '';
      }
      if (text) onNotice(text);
      void qc.invalidateQueries({ queryKey: keys.notifications });
      void qc.invalidateQueries({ queryKey: keys.bookings });
      // A door request's outcome (a timeout above all) comes as a notice too.
      void qc.invalidateQueries({ queryKey: keys.doors });
    };
    source.addEventListener('message', onMessage);
    source.addEventListener('notification', onMessage as EventListener);
    // The server ended the stream for good (signed out elsewhere, or too many open): do not reconnect.
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [qc, onNotice]);

  const doors = useQuery(doorsQuery);
  const hasDoors = (doors.data?.length ?? 0) > 0;
  useEffect(() => {
    if (!hasDoors) return;
    const source = new EventSource('/api/v1/doors/stream', { withCredentials: true });
    source.addEventListener('door', () => void qc.invalidateQueries({ queryKey: keys.doors }));
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [qc, hasDoors]);
}
